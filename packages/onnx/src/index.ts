/** Placeholder entry; replaced by the package. */
export {};
