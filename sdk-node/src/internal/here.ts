// The URL of this module, for createRequire in the ESM build. The CJS build
// replaces the compiled file with `exports.moduleURL = __filename`
// (scripts/build.mjs): import.meta does not exist in CommonJS.
// @ts-ignore -- compiled to CommonJS, this line is replaced (see above)
export const moduleURL: string = import.meta.url;
