/** Value party `party` contributes in generation `gen` of the barrier test. */
export function valueOf(party: number, gen: number): number;
