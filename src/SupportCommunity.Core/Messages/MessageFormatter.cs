using Ganss.Xss;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace SupportCommunity.Messages;

/// <summary>
/// Renders a message's markdown to HTML that is safe to show (design.md §5): raw HTML stays text, external images
/// become links so no one can track readers, links get rel="noopener nofollow ugc", and only an allowlist of tags,
/// attributes and URL schemes survives. The output is the only user text that may reach a MarkupString.
/// </summary>
public sealed class MessageFormatter
{
    /// <summary>Images are shown only from the app's own attachments.</summary>
    public const string AttachmentPath = "/attachments/";

    private readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .UseSoftlineBreakAsHardlineBreak()
        .Build();

    private readonly HtmlSanitizer _sanitizer;

    public MessageFormatter()
    {
        _sanitizer = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "hr",
                "h1", "h2", "h3", "h4", "h5", "h6",
            },
            AllowedAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href", "title", "src", "alt", "start" },
            AllowedSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "http", "https", "mailto" },
            UriAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href", "src" },
            AllowedCssProperties = new HashSet<string>(),
        });
        _sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is not AngleSharp.Dom.IElement element)
            {
                return;
            }

            if (element.LocalName == "a")
            {
                element.SetAttribute("rel", "noopener nofollow ugc");
                element.SetAttribute("target", "_blank");
            }
            else if (element.LocalName == "img" && element.GetAttribute("src")?.StartsWith(AttachmentPath, StringComparison.Ordinal) != true)
            {
                element.Remove();
            }
        };
    }

    public string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, _pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (link.IsImage && link.Url?.StartsWith(AttachmentPath, StringComparison.Ordinal) != true)
            {
                link.IsImage = false;
            }
        }

        return _sanitizer.Sanitize(document.ToHtml(_pipeline));
    }
}
