/** A 0/1 flag, stored as an integer in both dialects so that rows read back alike. */
export type Flag = number;
