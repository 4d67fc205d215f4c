/** WebRTC transport primitives shared by the client and the server: DTLS-SRTP and SRTP. */
package io.parley.media;
