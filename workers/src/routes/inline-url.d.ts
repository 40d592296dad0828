// Vite's `?url&inline` imports: a file as a data: URL (binary fixtures in workerd tests, which
// have no file system).
declare module "*?url&inline" {
  const dataUrl: string;
  export default dataUrl;
}
