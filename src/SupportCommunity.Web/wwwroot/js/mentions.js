// The composer's pickers: the @mention list and the /canned responses list. While the server shows one it marks the
// box data-mentions="open" or data-canned="open"; then the list's keys are the list's, and the composer's own keys
// (Enter sends, ArrowUp edits) must not see them. This listener is attached before the composer's, so stopping it here
// is enough.
const listKeys = new Set(["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"]);

export function attachMentions(textarea, dotnet) {
  textarea.addEventListener("keydown", event => {
    const method = textarea.dataset.mentions === "open" ? "MentionKey"
      : textarea.dataset.canned === "open" ? "CannedKey"
      : null;
    if (event.isComposing || method === null || !listKeys.has(event.key)
        || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    dotnet.invokeMethodAsync(method, event.key);
  });
}
