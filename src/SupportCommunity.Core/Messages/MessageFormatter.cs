using System.Buffers;
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

    /// <summary>A backslash, a tab and the line breaks: never in an attachment's URL.</summary>
    private static readonly SearchValues<char> NotInAttachmentUrls = SearchValues.Create("\\\t\n\r");

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
            else if (element.LocalName == "img" && !IsAttachment(element.GetAttribute("src")))
            {
                element.Remove();
            }
        };
    }

    /// <summary>
    /// True for a URL inside <see cref="AttachmentPath"/> as a browser resolves it. A prefix check alone lets
    /// "/attachments/../api/rooms" load any page of the app with the reader's cookies, so no segment may be "." or ".."
    /// (percent-encoded too), and no backslash, tab or newline may appear (browsers read a backslash as "/" and drop
    /// tabs and newlines, which could join dots into "..").
    /// </summary>
    public static bool IsAttachment(string? url)
    {
        if (url is null || !url.StartsWith(AttachmentPath, StringComparison.Ordinal) || url.AsSpan().IndexOfAny(NotInAttachmentUrls) >= 0)
        {
            return false;
        }

        var end = url.AsSpan().IndexOfAny('?', '#');
        foreach (var segment in (end < 0 ? url : url[..end]).Split('/'))
        {
            if (Uri.UnescapeDataString(segment) is "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    public string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, _pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (link.IsImage && !IsAttachment(link.Url))
            {
                link.IsImage = false;
            }
        }

        return _sanitizer.Sanitize(document.ToHtml(_pipeline));
    }
}
