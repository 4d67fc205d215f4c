/** The Parley server. */
package io.parley.server;
