// speaknode-widget.js: loaded by the loader on the first launcher click. Takes over the
// element's Shadow DOM with the Preact UI and starts the first conversation at once (the click
// that loaded it is the visitor's request to talk), or, when the agent speaks several languages,
// opens the panel to pick one first.
import { render } from "preact";
import type { WidgetHandoff, WidgetInstance } from "../shared/types.ts";
import { CallController } from "./controller.ts";
import { App } from "./ui/App.tsx";

export function mount(handoff: WidgetHandoff): WidgetInstance {
  const controller = new CallController(handoff);
  handoff.root.replaceChildren();
  render(<App controller={controller} />, handoff.root);
  controller.launch();
  return {
    configure: (configured) => controller.configure(configured),
    disconnected: () => controller.close(),
  };
}
