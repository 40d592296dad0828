// Entry point: reads the runtime config from index.html, creates the router and the shell's stores
// (the pages' stores follow on first need), and renders the shell. The only place that touches browser globals directly.
import { render } from "preact";
import { App } from "./App.tsx";
import { documentMeta, readConfig } from "./config.ts";
import { createRouter, interceptLinks } from "./router.ts";
import { createShellStores, ShellContext } from "./stores/index.ts";

const config = readConfig(location.origin, documentMeta(document));
const router = createRouter(window);
const shell = createShellStores({
  config,
  router,
  fetch: (input, init) => fetch(input, init),
  storage: sessionStorage,
  redirect: (url) => location.assign(url),
});

const root = document.getElementById("app");
if (!root) throw new Error("index.html lacks #app");
interceptLinks(root, router);
render(
  <ShellContext.Provider value={shell}>
    <App />
  </ShellContext.Provider>,
  root,
);
