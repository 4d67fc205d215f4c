package io.parley.server.browser;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads, with getStats, the ICE candidate pair a page's RTCPeerConnection for a stream selected. */
final class SelectedPair {
    private SelectedPair() {}

    /**
     * {@code {local: {type, protocol, relayProtocol}, remote: {type, protocol, address, port}}} of the selected pair of
     * {@code streamID}'s publish or play connection, or null while none is selected.
     */
    static JsonNode of(Page page, String streamID, String kind) {
        return page.eval("""
                (async () => {
                  const r = await rig.zg.getStats('%s', '%s');
                  if (!r) return null;
                  let pairId = null;
                  for (const s of r.values()) if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
                  if (!pairId) for (const s of r.values()) if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pairId = s.id;
                  if (!pairId) return null;
                  const pair = r.get(pairId);
                  const l = r.get(pair.localCandidateId), m = r.get(pair.remoteCandidateId);
                  return {state: pair.state,
                    local: {type: l.candidateType, protocol: l.protocol, relayProtocol: l.relayProtocol || ''},
                    remote: {type: m.candidateType, protocol: m.protocol, address: m.address || m.ip, port: m.port}};
                })()""".formatted(streamID, kind));
    }
}
