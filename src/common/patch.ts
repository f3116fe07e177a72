/** The fields a PATCH body sets: absent ones (undefined) leave the stored value as it is; null is a value. */
export function definedFields<T extends object>(body: T): Partial<T> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as Partial<T>;
}
