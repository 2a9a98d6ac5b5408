// What a reading's value may be: a number the aligner's frames and the model's
// windows can hold. They are Float32Array, so a double beyond ±3.4e38 (finite
// as a double, Infinity as a float32) is as unusable as NaN and is rejected
// here, at decode, naming the field, instead of turning into Infinity later.

/** True when `value` is finite and stays finite when stored as a float32. */
export function isUsableValue(value: number): boolean {
  return Number.isFinite(Math.fround(value));
}

/** Why `value` is not usable, as the end of an issue sentence ("… is 1e+39; expected …"). */
export function describeUnusableValue(value: number): string {
  return Number.isFinite(value)
    ? `is ${value}, outside the float32 range (±3.4e38) frames and models hold; expected a finite number within it`
    : `is ${value}; expected a finite number`;
}
