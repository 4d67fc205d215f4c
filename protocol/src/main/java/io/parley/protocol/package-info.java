/** Parley's wire contract: signalling messages, error codes, identifier rules and media codecs. */
package io.parley.protocol;
