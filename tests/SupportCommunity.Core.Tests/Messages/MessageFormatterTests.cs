using SupportCommunity.Messages;

namespace SupportCommunity.Core.Tests.Messages;

public sealed partial class MessageFormatterTests
{
    [System.Text.RegularExpressions.GeneratedRegex(@"(href|src)\s*=\s*[""']?\s*(javascript|vbscript|data):", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex DangerousHref();

    private readonly MessageFormatter _formatter = new();

    [Fact]
    public void ToHtml_Markdown_RendersEmphasisAndCode()
    {
        var html = _formatter.ToHtml("**bold** _it_ ~~gone~~ `code`");
        Assert.Contains("<strong>bold</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<em>it</em>", html, StringComparison.Ordinal);
        Assert.Contains("<del>gone</del>", html, StringComparison.Ordinal);
        Assert.Contains("<code>code</code>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[Verify your account](https://evil.example/login)")]
    [InlineData("**Support Team** # urgent")]
    [InlineData("![x](/attachments/a.png) <b>hi</b> `code` ~~s~~ _u_")]
    public void ToHtml_EscapedMarkdown_ReadsLiterallyWithNoLinkOrMarkup(string name)
    {
        var html = _formatter.ToHtml($"We will follow up with {MessageText.EscapeMarkdown(name)} there.");

        Assert.DoesNotContain("<a", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<strong", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<em", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<code", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<h1", html, StringComparison.Ordinal);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(name).Replace("&#39;", "'", StringComparison.Ordinal)[..5], html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("<svg onload=alert(1)>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>")]
    public void ToHtml_RawHtml_IsShownAsText(string raw)
    {
        var html = _formatter.ToHtml(raw);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<svg", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a ", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JaVaScRiPt:alert(1))")]
    [InlineData("[click](vbscript:msgbox(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("<javascript:alert(1)>")]
    public void ToHtml_DangerousLinkSchemes_LoseTheirHref(string markdown)
    {
        var html = _formatter.ToHtml(markdown);
        Assert.DoesNotMatch(DangerousHref(), html);
    }

    [Fact]
    public void ToHtml_Links_GetNoFollowAndOpenInANewTab()
    {
        var html = _formatter.ToHtml("See [status](https://status.example.com) or https://example.com/docs");
        Assert.Contains("href=\"https://status.example.com\"", html, StringComparison.Ordinal);
        Assert.Contains("rel=\"noopener nofollow ugc\"", html, StringComparison.Ordinal);
        Assert.Contains("target=\"_blank\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.com/docs\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ToHtml_ExternalImage_BecomesALink()
    {
        var html = _formatter.ToHtml("![tracker](https://evil.example/pixel.png)");
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://evil.example/pixel.png\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ToHtml_OwnAttachmentImage_IsShown()
    {
        var html = _formatter.ToHtml("![screenshot](/attachments/42.png)");
        Assert.Contains("<img src=\"/attachments/42.png\" alt=\"screenshot\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("![up](/attachments/../api/rooms)")]
    [InlineData("![up](/attachments/x/../../api/rooms)")]
    [InlineData("![up](/attachments/%2e%2e/api/rooms)")]
    [InlineData("![up](/attachments/.%2E/api/rooms)")]
    [InlineData("![up](</attachments/.\t./api/rooms>)")]
    [InlineData("![up](/attachments/..\\api/rooms)")]
    public void ToHtml_ImageLeavingTheAttachments_IsNotLoaded(string markdown)
    {
        // The browser would resolve these to another page of the app and request it with the reader's cookies.
        var html = _formatter.ToHtml(markdown);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/attachments/42.png", true)]
    [InlineData("/attachments/a/b%20c.png?size=small#top", true)]
    [InlineData("/attachments/..", false)]
    [InlineData("/attachments/./42.png", false)]
    [InlineData("/attachments/%2E%2e/x", false)]
    [InlineData("/attachments/..\\x", false)]
    [InlineData("/attachments/.\n./x", false)]
    [InlineData("/attachment/42.png", false)]
    [InlineData("//evil.example/attachments/42.png", false)]
    public void IsAttachment_ResolvedPath_MustStayInTheAttachments(string url, bool expected) =>
        Assert.Equal(expected, MessageFormatter.IsAttachment(url));

    [Fact]
    public void ToHtml_NewLines_AreKept() =>
        Assert.Contains("<br", _formatter.ToHtml("line one\nline two"), StringComparison.Ordinal);
}
