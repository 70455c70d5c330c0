// The composer's @mention list. While the server shows the list it marks the box data-mentions="open"; then the
// list's keys are the list's, and the composer's own keys (Enter sends, ArrowUp edits) must not see them. This
// listener is attached before the composer's, so stopping it here is enough.
const listKeys = new Set(["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"]);

export function attachMentions(textarea, dotnet) {
  textarea.addEventListener("keydown", event => {
    if (event.isComposing || textarea.dataset.mentions !== "open" || !listKeys.has(event.key)
        || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    dotnet.invokeMethodAsync("MentionKey", event.key);
  });
}
