// Provided by build.mjs: every file under glsl/, keyed by its path relative to glsl/.
declare module 'virtual:glsl' {
  const sources: Record<string, string>;
  export default sources;
}
