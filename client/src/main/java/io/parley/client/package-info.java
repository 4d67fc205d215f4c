/** Parley's Java client SDK, shaped like ZEGO Express. */
package io.parley.client;
