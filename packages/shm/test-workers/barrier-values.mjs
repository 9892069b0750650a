// Value party `party` contributes in generation `gen` of the barrier test:
// deterministic, up to ~2^53, and the minimum moves between parties.
export function valueOf(party, gen) {
  return ((party * 7919 + gen * 104729) % 1000) * 2 ** 43 + party;
}
