using Microsoft.Playwright;

namespace SupportCommunity.Browser.Tests.Xss;

/// <summary>
/// Watches one browser context for any sign that user text became markup or script, on every page and frame, across
/// navigations. What counts as a finding (each one fails the test that was running):
/// <list type="bullet">
/// <item>a marker ran: <c>alert</c>, <c>confirm</c>, <c>prompt</c>, <c>print</c>, <c>__pwned</c> or
///   <c>__xss.push</c>, all replaced before the app's first script; or a real dialog opened;</item>
/// <item>any <c>securitypolicyviolation</c>. The app's own pages raise none (SecurityBrowserTests), so a violation
///   can only come from injected markup that the policy then blocked: an inline handler, a <c>javascript:</c>
///   navigation, an image or style from another origin. The policy catching it is the second line of defence; the
///   first (encoding and the sanitiser) has failed, so it is a failure too. There is no exception to this rule;</item>
/// <item>a request to another origin (what a tracking image or an external style would make if the policy let it);</item>
/// <item>the DOM checks below, run on every element as it is added (a MutationObserver from before the first
///   script) and again over the whole document when a test asks.</item>
/// </list>
/// DOM checks, anywhere in the document: an <c>on*</c> attribute; a URL attribute (<c>href</c>, <c>src</c>,
/// <c>xlink:href</c>, <c>action</c>, <c>formaction</c>, <c>data</c>, <c>poster</c>, ...) whose resolved scheme is not
/// http, https or mailto; <c>srcdoc</c>; <c>iframe</c>, <c>frame</c>, <c>object</c>, <c>embed</c>,
/// <c>meta http-equiv</c>, <c>base</c> (but the app's own in the head); a script that is neither from this origin
/// nor carries the response's nonce; SVG <c>script</c>, <c>animate</c>, <c>set</c>, <c>foreignObject</c>; a media
/// element or image loading from another origin. Inside user markup (<c>.message-body</c>: messages, thread replies,
/// notes, rules, the pinned notice, ticket replies and notes, transcripts), only the sanitiser's allowlist (p, br,
/// strong, em, del, s, code, pre, blockquote, ul, ol, li, a, img, hr, h1-h6 with href, title, src, alt, start, rel,
/// target), images only from <c>/attachments/</c> as the browser resolves the path, and no comments. Inside elements
/// that show user text as plain text (authors, excerpts, queue bodies, audit cells, subjects), no element at all.
/// </summary>
public sealed class XssProbe
{
    private const string ReportBinding = "__xssReport";

    private readonly Lock _gate = new();
    private readonly List<string> _findings = [];
    private readonly HashSet<string> _seen = [];
    private readonly List<(string Text, TaskCompletionSource<string> Waiter)> _waiters = [];
    private readonly string _origin;

    private XssProbe(Uri origin) => _origin = origin.GetLeftPart(UriPartial.Authority);

    /// <summary>Everything found since the last <see cref="Reset"/>.</summary>
    public IReadOnlyList<string> Findings
    {
        get
        {
            lock (_gate)
            {
                return [.. _findings];
            }
        }
    }

    /// <summary>Hooks <paramref name="context"/> before any of its pages loads: call it before opening a page.</summary>
    public static async Task<XssProbe> AttachAsync(IBrowserContext context, Uri origin)
    {
        var probe = new XssProbe(origin);
        await context.ExposeBindingAsync(ReportBinding, (BindingSource _, string finding) => probe.Add(finding));
        await context.AddInitScriptAsync(Script);
        context.Request += (_, request) =>
        {
            var url = request.Url;
            if (!url.StartsWith(probe._origin + "/", StringComparison.Ordinal) && !url.StartsWith("data:", StringComparison.Ordinal)
                && !url.StartsWith("blob:", StringComparison.Ordinal) && !url.StartsWith("about:", StringComparison.Ordinal))
            {
                probe.Add($"request to another origin: {request.Method} {url}");
            }
        };
        context.Dialog += (_, dialog) => probe.Add($"dialog opened: {dialog.Type} {dialog.Message}");
        return probe;
    }

    public void Reset()
    {
        lock (_gate)
        {
            _findings.Clear();
            _seen.Clear();
        }
    }

    /// <summary>Checks the whole current document (and its frames) again, then fails with every finding so far.</summary>
    public async Task AssertCleanAsync(IPage page, string surface)
    {
        foreach (var frame in page.Frames)
        {
            try
            {
                foreach (var finding in await frame.EvaluateAsync<string[]>("() => window.__xssScan ? window.__xssScan() : []"))
                {
                    Add(finding);
                }
            }
            catch (PlaywrightException) when (frame != page.MainFrame)
            {
                // A frame that went away while it was asked: its findings, if any, were reported as they happened.
            }
        }

        var findings = Findings;
        Assert.True(findings.Count == 0, $"{surface}: {findings.Count} XSS finding(s):\n" + string.Join("\n", findings));
    }

    /// <summary>The first finding (from now on, or already recorded) that contains <paramref name="text"/>.</summary>
    public async Task<string> WaitForAsync(string text, TimeSpan timeout)
    {
        var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_findings.FirstOrDefault(f => f.Contains(text, StringComparison.Ordinal)) is { } found)
            {
                return found;
            }

            _waiters.Add((text, waiter));
        }

        return await waiter.Task.WaitAsync(timeout);
    }

    private void Add(string finding)
    {
        List<TaskCompletionSource<string>> done = [];
        lock (_gate)
        {
            if (!_seen.Add(finding))
            {
                return;
            }

            _findings.Add(finding);
            foreach (var (text, waiter) in _waiters.Where(w => finding.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                _waiters.Remove((text, waiter));
                done.Add(waiter);
            }
        }

        foreach (var waiter in done)
        {
            waiter.TrySetResult(finding);
        }
    }

    /// <summary>Runs in every document and frame of the context before the page's own scripts.</summary>
    private const string Script = """
        (() => {
          if (window.__xssScan) return;
          const unreported = [];
          const reported = new Set();
          const report = (kind, detail) => {
            const finding = `${kind}: ${detail} [${location.pathname}]`;
            if (reported.has(finding)) return;
            reported.add(finding);
            // Reported at once through the binding; kept for __xssScan only if that is not there (yet).
            try { window.__xssReport(finding); } catch (e) { unreported.push(finding); }
          };
          const snippet = el => (el.outerHTML || String(el)).slice(0, 160);

          // Markers: what a payload calls if it ever runs.
          const marker = name => function () {
            report('script ran', `${name}(${Array.from(arguments).map(String).join(', ').slice(0, 80)})`);
          };
          for (const name of ['alert', 'confirm', 'prompt', 'print']) window[name] = marker(name);
          window.__pwned = marker('__pwned');
          const calls = [];
          calls.push = marker('__xss.push');
          window.__xss = calls;

          document.addEventListener('securitypolicyviolation', e => report('CSP violation',
            `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}${e.sample ? ` (${e.sample})` : ''} at ${e.sourceFile}:${e.lineNumber}`), true);

          const SVG = 'http://www.w3.org/2000/svg';
          const MARKUP = '.message-body';
          const TEXT = [
            '[data-testid=message-author]', '.reply-quote-author', '.reply-quote-text', '[data-testid=queue-body]',
            '.queue-context-author', '.audit-text', '.bell-headline', '.bell-excerpt', '.desk-subject',
            '[data-testid=ticket-subject]', '[data-testid=ticket-requester]', '.ticket-entry-author',
            '.ticket-transcript-author', '.conversation-source-excerpt', '[data-testid=conversation-heading]',
            '.ticket-row-subject', '.escalate-line-author', '.escalate-line-body', '.mention-name',
          ].join(',');
          const ALLOWED_TAGS = new Set(['p', 'br', 'strong', 'em', 'del', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
            'a', 'img', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
          const ALLOWED_ATTRS = new Set(['href', 'title', 'src', 'alt', 'start', 'rel', 'target']);
          const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'data', 'poster', 'background', 'lowsrc', 'dynsrc',
            'ping', 'cite', 'longdesc', 'codebase', 'xlink:href', 'to', 'from', 'values']);
          const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
          const FORBIDDEN = new Set(['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'portal', 'fencedframe']);
          const SVG_FORBIDDEN = new Set(['script', 'animate', 'set', 'animatetransform', 'animatemotion', 'foreignobject', 'handler']);
          const LOADS = new Set(['img', 'image', 'video', 'audio', 'source', 'track', 'input', 'link', 'use']);
          const resolve = value => { try { return new URL(value, document.baseURI); } catch (e) { return null; } };

          const check = el => {
            const name = el.localName;
            for (const attribute of Array.from(el.attributes)) {
              const attr = attribute.name.toLowerCase();
              if (attr.startsWith('on')) report('event handler attribute', snippet(el));
              if (attr === 'srcdoc') report('srcdoc', snippet(el));
              if (URL_ATTRS.has(attr) || attr.endsWith(':href')) {
                const url = resolve(attribute.value.trim());
                const isUrl = attr !== 'to' && attr !== 'from' && attr !== 'values';
                if (isUrl && url && !SAFE_SCHEMES.has(url.protocol)) report(`${url.protocol} URL in ${attr}`, snippet(el));
                if (!isUrl && /script:/i.test(attribute.value)) report(`script URL in ${attr}`, snippet(el));
                const loads = (LOADS.has(name) && attr === 'src') || (name === 'link' && attr === 'href')
                  || ((name === 'use' || name === 'image') && attr.endsWith('href'));
                if (isUrl && url && loads && url.origin !== location.origin) report('resource from another origin', snippet(el));
              }
            }
            if (FORBIDDEN.has(name) && !(name === 'base' && el.parentElement === document.head)) report(`<${name}> element`, snippet(el));
            if (name === 'meta' && el.hasAttribute('http-equiv')) report('<meta http-equiv>', snippet(el));
            if (name === 'script') {
              const src = el.getAttribute('src');
              const own = src !== null && resolve(src)?.origin === location.origin;
              if (el.namespaceURI === SVG || (!own && !el.nonce)) report('script element', snippet(el));
            }
            if (el.namespaceURI === SVG && SVG_FORBIDDEN.has(name)) report(`<svg ${name}> element`, snippet(el));

            const markup = el.parentElement && el.parentElement.closest(MARKUP);
            if (markup && !markup.classList.contains('removed')) {
              if (!ALLOWED_TAGS.has(name) || el.namespaceURI !== 'http://www.w3.org/1999/xhtml') report(`<${name}> in a message body`, snippet(el));
              for (const attribute of Array.from(el.attributes)) {
                if (!ALLOWED_ATTRS.has(attribute.name.toLowerCase())) report(`attribute ${attribute.name} in a message body`, snippet(el));
              }
              if (name === 'img') {
                const url = resolve(el.getAttribute('src') || '');
                if (!url || url.origin !== location.origin || !url.pathname.startsWith('/attachments/')) report('image outside /attachments/', snippet(el));
              }
            }
            if (el.parentElement && el.parentElement.closest(TEXT)) report(`<${name}> inside text`, snippet(el.parentElement.closest(TEXT)));
          };

          const checkComments = root => {
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_COMMENT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              const holder = node.parentElement && node.parentElement.closest(MARKUP);
              if (holder && node.data.trim() !== '' && node.data !== '!') report('comment in a message body', node.data.slice(0, 120));
            }
          };

          const scanTree = node => {
            if (node.nodeType === Node.COMMENT_NODE) {
              if (node.parentElement && node.parentElement.closest(MARKUP) && node.data.trim() !== '' && node.data !== '!') report('comment in a message body', node.data.slice(0, 120));
              return;
            }
            if (node.nodeType !== Node.ELEMENT_NODE) return;
            check(node);
            for (const el of node.querySelectorAll('*')) check(el);
            checkComments(node);
          };

          new MutationObserver(records => {
            for (const record of records) record.addedNodes.forEach(scanTree);
          }).observe(document, { childList: true, subtree: true });

          window.__xssScan = () => {
            if (document.documentElement) scanTree(document.documentElement);
            return unreported.splice(0);
          };
        })();
        """;
}
