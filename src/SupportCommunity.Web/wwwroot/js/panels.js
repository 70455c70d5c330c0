// Escape closes the side panel the room view shows (a thread). An Escape already handled (the message editor's
// cancel) or meant for a dialog or an open menu is left alone.
export function onEscape(dotnet) {
  const handler = event => {
    if (event.key !== "Escape" || event.defaultPrevented || event.isComposing) {
      return;
    }
    if (document.querySelector(".mud-dialog-container, .mud-popover-open")) {
      return;
    }
    dotnet.invokeMethodAsync("EscapePressed");
  };
  document.addEventListener("keydown", handler);
  return { dispose: () => document.removeEventListener("keydown", handler) };
}
