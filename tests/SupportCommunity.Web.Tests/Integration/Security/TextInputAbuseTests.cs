using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Demo;
using SupportCommunity.Identity;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>
/// Issue 8, item 2: hostile Unicode on every text input, not only messages, over REST, the hub and the sign-up form,
/// on real sockets. Each (input × payload × transport) case must either be refused with a clear error, leaving what
/// the input reads back unchanged, or be stored normalised: no bidi controls, NUL or other control characters, lone
/// surrogates, zero-width runs or combining-mark floods, in NFC. Nothing answers with a server error or internals.
/// </summary>
public sealed partial class TextInputAbuseTests(TextInputAbuseTests.App app, ITestOutputHelper output) : IClassFixture<TextInputAbuseTests.App>
{
    /// <summary>The payloads, each with a visible part where it makes sense, so that the normalised text can be stored.</summary>
    public static readonly IReadOnlyDictionary<string, string> Payloads = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["bidi-override"] = "Be kind \u202Eeno siht daer\u202C to all",
        ["bidi-isolates-and-marks"] = "\u2067abc\u2069 \u200Fdef\u200E \u061Cghi",
        ["bidi-only"] = "\u202E\u202D\u2066\u2069\u200E\u200F",
        ["zero-width-flood"] = "Hi " + string.Concat(Enumerable.Repeat("\u200B\u200C\u200D\u2060", 300)) + " there",
        ["zero-width-only"] = string.Concat(Enumerable.Repeat("\u200B \uFEFF", 40)),
        ["combining-flood"] = "Z" + new string('\u0336', 400) + "algo text",
        ["lone-high-surrogate"] = "Help \uD800 me please",
        ["lone-low-surrogate"] = "\uDC00Help me please",
        ["nul-and-controls"] = "Rule\u0000 one\u0007\u001B[31m red\u007F\u0085 end\u0008",
        ["controls-only"] = "\u0000\u0001\u001F\u007F",
        ["oversized"] = new string('x', 20_000),
        ["everything-at-once"] = "\u202EAb\u0000c\u200B\u200B\u200Bd" + new string('\u0301', 50) + "\uD800e\u2066",
    };

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var input in Inputs)
        {
            foreach (var transport in input.Transports)
            {
                foreach (var payload in Payloads.Keys)
                {
                    data.Add(input.Name, transport, payload);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TextInput_HostilePayload_IsRefusedClearlyOrStoredNormalised(string input, string transport, string payload)
    {
        var surface = Inputs.Single(i => i.Name == input);
        var raw = Payloads[payload];
        var context = await app.ContextAsync();
        var target = surface.Prepare is null ? "" : await surface.Prepare(context);

        var before = surface.Read is null ? null : await surface.Read(context, target);
        var outcome = transport switch
        {
            Rest => await surface.Rest!(context, target, raw),
            Hub => await surface.Hub!(context, target, raw),
            _ => await surface.Form!(context, target, raw),
        };
        var after = surface.Read is null ? null : await surface.Read(context, target);

        output.WriteLine($"{input} / {transport} / {payload}: {(outcome.Accepted ? "accepted" : "refused")} {outcome.Detail}");
        if (outcome.Accepted)
        {
            if (after is not null)
            {
                AssertClean(after, $"{input} stored via {transport}");
            }
        }
        else
        {
            AssertClearRefusal(outcome.Detail, raw);
            Assert.Equal(before, after);
        }

        if (surface.Cleanup is not null)
        {
            await surface.Cleanup(context, target, after);
        }
    }

    /// <summary>The emoji argument of a reaction as the wrong JSON type, or an allowlisted one dressed up.</summary>
    public static readonly TheoryData<string, string> ReactionArguments = new()
    {
        { Rest, "123" }, { Rest, "true" }, { Rest, "[\"👍\"]" }, { Rest, "{\"emoji\":\"👍\"}" }, { Rest, "null" },
        { Rest, RawJson.Str("👍\u200B") }, { Rest, RawJson.Str(string.Concat(Enumerable.Repeat("👍", 1_000))) },
        { Hub, "123" }, { Hub, "true" }, { Hub, "[\"👍\"]" }, { Hub, "{\"emoji\":\"👍\"}" }, { Hub, "null" },
        { Hub, RawJson.Str("👍\u200B") }, { Hub, RawJson.Str(string.Concat(Enumerable.Repeat("👍", 1_000))) },
    };

    [Theory]
    [MemberData(nameof(ReactionArguments))]
    public async Task Reaction_EmojiOfTheWrongTypeOrDressedUp_IsRefusedClearlyAndStoresNothing(string transport, string emojiJson)
    {
        var context = await app.ContextAsync();
        var id = await context.PostAsync(Customer, General, "React to this one too");
        var before = await context.GetAsync(Customer2, $"/api/rooms/{General}/messages?limit=3");

        var outcome = transport == Rest
            ? await context.SendAsync(Customer2, HttpMethod.Post, $"/api/messages/{id}/reactions", Body(("emoji", emojiJson)))
            : await context.InvokeAsync(Customer2, "ToggleReaction", id, emojiJson);

        output.WriteLine($"{transport} {Visible(emojiJson)}: {outcome.Detail}");
        Assert.False(outcome.Accepted);
        if (transport == Hub && emojiJson[0] is not '"' and not 'n')
        {
            // Not a string: SignalR cannot bind the argument and refuses the call before the app sees it, with its
            // fixed sentence (as for every hub method; details are off).
            Assert.Matches(BindingRefusal(), outcome.Detail);
        }
        else
        {
            AssertClearRefusal(outcome.Detail, emojiJson);
        }

        Assert.Equal(before, await context.GetAsync(Customer2, $"/api/rooms/{General}/messages?limit=3"));
    }

    private const string Rest = "rest";
    private const string Hub = "hub";
    private const string Form = "form";

    /// <summary>Every string in what the input reads back is normalised.</summary>
    private static void AssertClean(string json, string where)
    {
        foreach (var text in Strings(JsonNode.Parse(json)))
        {
            var problem = Dirt(text);
            Assert.True(problem is null, $"{where}: {problem} in \"{Visible(text)}\"");
        }
    }

    private static void AssertClearRefusal(string? detail, string payload)
    {
        Assert.False(string.IsNullOrWhiteSpace(detail), "a refusal without a message");
        if (payload.Any(char.IsSurrogate) && BindingRefusal().IsMatch(detail))
        {
            // SignalR's JSON protocol cannot read a lone surrogate into a string, and refuses the call before the
            // app sees it, with its fixed sentence and no details (they are off). Nothing reached the app.
            return;
        }

        if (Kestrel414.Equals(detail, StringComparison.Ordinal))
        {
            return;
        }

        // The hub's refusals carry SignalR's prefix; the app's own sentence follows it.
        detail = HubPrefix().Replace(detail, "");
        Assert.DoesNotContain("   at ", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Something went wrong on our side", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("error on the server", detail, StringComparison.Ordinal);
        Assert.DoesNotMatch(Internals(), detail);
    }

    /// <summary>What is wrong with stored text, or null.</summary>
    public static string? Dirt(string text)
    {
        var zeroWidthRun = 0;
        var marks = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                zeroWidthRun = marks = 0;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return $"a lone surrogate U+{(int)c:X4}";
            }

            if (char.IsControl(c) && c is not '\n' and not '\t' and not '\r')
            {
                return $"a control character U+{(int)c:X4}";
            }

            if (c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C')
            {
                return $"a bidi control U+{(int)c:X4}";
            }

            zeroWidthRun = c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF' ? zeroWidthRun + 1 : 0;
            if (zeroWidthRun > 1)
            {
                return "a run of zero-width characters";
            }

            marks = CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark ? marks + 1 : 0;
            if (marks > 4)
            {
                return "a flood of combining marks";
            }
        }

        return text.IsNormalized(NormalizationForm.FormC) ? null : "text not in NFC";
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Strings(p.Value)),
        JsonArray a => a.SelectMany(Strings),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        _ => [],
    };

    private static string Visible(string text)
    {
        var shown = string.Concat(text.Take(120).Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:X4}" : c.ToString()));
        return text.Length > 120 ? shown + "…" : shown;
    }

    [GeneratedRegex(@"SupportCommunity\.|System\.|Microsoft\.|Exception\b")]
    private static partial Regex Internals();

    [GeneratedRegex(@"^An unexpected error occurred invoking '\w+' on the server\. HubException: ")]
    private static partial Regex HubPrefix();

    [GeneratedRegex(@"^Failed to invoke '\w+' due to an error on the server\.$")]
    private static partial Regex BindingRefusal();

    /// <summary>Kestrel refuses a request line over its 8 KB limit before the app runs, with no body.</summary>
    private const string Kestrel414 = "414 (Kestrel: request line too long)";

    // ---------------------------------------------------------------- the inputs

    /// <summary>A text input: how to reach it over each transport, and how to read back what it stored.</summary>
    public sealed record Input(
        string Name,
        Func<Context, Task<string>>? Prepare,
        Func<Context, string, string, Task<Outcome>>? Rest,
        Func<Context, string, string, Task<Outcome>>? Hub,
        Func<Context, string, Task<string>>? Read,
        Func<Context, string, string?, Task>? Cleanup = null,
        Func<Context, string, string, Task<Outcome>>? Form = null)
    {
        public IEnumerable<string> Transports =>
            new[] { (Rest, TextInputAbuseTests.Rest), (Hub, TextInputAbuseTests.Hub), (Form, TextInputAbuseTests.Form) }
                .Where(t => t.Item1 is not null).Select(t => t.Item2);
    }

    /// <summary>Accepted (2xx, a hub result, a form that redirects) or refused with <see cref="Detail"/>.</summary>
    public sealed record Outcome(bool Accepted, string? Detail);

    public static readonly IReadOnlyList<Input> Inputs =
    [
        new("room message", null,
            (c, _, p) => c.SendAsync(Customer, HttpMethod.Post, $"/api/rooms/{General}/messages", Body(("clientMessageId", Id()), ("body", Str(p)))),
            (c, _, p) => c.InvokeAsync(Customer, "SendMessage", Str(General), Id(), Str(p)),
            (c, _) => c.GetAsync(Customer, $"/api/rooms/{General}/messages?limit=3")),
        // Reactions are an allowlist: every hostile payload is refused, and the message keeps no reaction.
        new("reaction emoji", c => c.PostAsync(Customer, General, "React to this, please"),
            (c, id, p) => c.SendAsync(Customer2, HttpMethod.Post, $"/api/messages/{id}/reactions", Body(("emoji", Str(p)))),
            (c, id, p) => c.InvokeAsync(Customer2, "ToggleReaction", id, Str(p)),
            (c, _) => c.GetAsync(Customer2, $"/api/rooms/{General}/messages?limit=3")),
        new("private conversation message", c => c.ConversationAsync(),
            (c, slug, p) => c.SendAsync(Customer, HttpMethod.Post, $"/api/rooms/{slug}/messages", Body(("clientMessageId", Id()), ("body", Str(p)))),
            (c, slug, p) => c.InvokeAsync(Customer, "SendMessage", Str(slug), Id(), Str(p)),
            (c, slug) => c.GetAsync(Customer, $"/api/rooms/{slug}/messages?limit=3")),
        new("room rules", null,
            (c, _, p) => c.SendAsync(Manager, HttpMethod.Put, $"/api/rooms/{Feedback}/rules", Body(("markdown", Str(p)))),
            (c, _, p) => c.InvokeAsync(Manager, "SetRoomRules", Str(Feedback), Str(p)),
            (c, _) => c.GetAsync(Manager, $"/api/rooms/{Feedback}/rules")),
        new("lock message", null,
            (c, _, p) => c.SendAsync(Manager, HttpMethod.Put, $"/api/rooms/{Billing}/controls/lock", Body(("message", Str(p)))),
            (c, _, p) => c.InvokeAsync(Manager, "LockRoom", Str(Billing), Str(p)),
            (c, _) => c.GetAsync(Manager, $"/api/rooms/{Billing}/controls")),
        new("slow-mode reason", null,
            (c, _, p) => c.SendAsync(Manager, HttpMethod.Put, $"/api/rooms/{Billing}/controls/slow-mode", Body(("seconds", "10"), ("reason", Str(p)))),
            (c, _, p) => c.InvokeAsync(Manager, "SetSlowMode", Str(Billing), "10", Str(p)),
            (c, _) => c.GetAsync(Manager, "/api/moderation/audit?action=room.slow-mode&limit=3")),
        new("cool-down notice", null,
            (c, _, p) => c.SendAsync(Manager, HttpMethod.Post, $"/api/rooms/{Billing}/controls/cool-down", Body(("seconds", "10"), ("notice", Str(p)))),
            (c, _, p) => c.InvokeAsync(Manager, "CoolDown", Str(Billing), "10", Str(p)),
            (c, _) => c.GetAsync(Manager, $"/api/rooms/{Billing}/controls")),
        new("timeout reason", c => c.UserIdAsync(Customer2),
            (c, user, p) => c.SendAsync(Manager, HttpMethod.Post, "/api/moderation/sanctions",
                Body(("userId", Str(user)), ("kind", Str("timeout")), ("minutes", "60"), ("reason", Str(p)))),
            (c, user, p) => c.InvokeAsync(Manager, "TimeoutUser", Str(user), "60", Str(p), "null"),
            (c, user) => c.GetAsync(Manager, "/api/moderation/sanctions?userId=" + user)),
        new("ban reason", c => c.UserIdAsync(Customer2),
            (c, user, p) => c.SendAsync(Manager, HttpMethod.Post, "/api/moderation/sanctions",
                Body(("userId", Str(user)), ("kind", Str("room-ban")), ("roomSlug", Str(Billing)), ("minutes", "60"), ("reason", Str(p)))),
            (c, user, p) => c.InvokeAsync(Manager, "BanFromRoom", Str(user), Str(Billing), "60", Str(p)),
            (c, user) => c.GetAsync(Manager, "/api/moderation/sanctions?userId=" + user)),
        new("report reason", c => c.PostAsync(Customer, General, "Please report me, I am a test."),
            (c, message, p) => c.SendAsync(Member, HttpMethod.Post, $"/api/messages/{message}/reports", Body(("reason", Str(p)))),
            (c, message, p) => c.InvokeAsync(Member, "ReportMessage", message, Str(p)),
            (c, _) => c.GetAsync(Manager, "/api/moderation/queue")),
        new("moderator's delete reason", c => c.PostAsync(Customer, General, "Delete me with a reason."),
            (c, message, p) => c.SendAsync(Manager, HttpMethod.Post, $"/api/moderation/messages/{message}/delete", Body(("reason", Str(p)))),
            (c, message, p) => c.InvokeAsync(Manager, "ModerateDeleteMessage", message, Str(p)),
            (c, message) => c.GetAsync(Manager, $"/api/moderation/audit?limit=3")),
        new("ticket subject", c => c.PostAsync(Customer, General, "I need a ticket for this."),
            (c, sequence, p) => c.SendAsync(Manager, HttpMethod.Post, "/api/tickets",
                Body(("roomSlug", Str(General)), ("sequence", c.Sequences[sequence]), ("subject", Str(p)))),
            (c, sequence, p) => c.InvokeAsync(Manager, "EscalateToTicket",
                Body(("roomSlug", Str(General)), ("sequence", c.Sequences[sequence]), ("subject", Str(p)))),
            (c, _) => c.GetAsync(Customer, "/api/tickets/mine?limit=3")),
        new("ticket reply", c => c.TicketAsync(),
            (c, ticket, p) => c.SendAsync(Agent, HttpMethod.Post, $"/api/tickets/{ticket}/replies", Body(("body", Str(p)))),
            (c, ticket, p) => c.InvokeAsync(Agent, "ReplyToTicket", ticket, Str(p), "false", "null"),
            (c, ticket) => c.TimelineAsync(ticket)),
        new("ticket internal note", c => c.TicketAsync(),
            (c, ticket, p) => c.SendAsync(Agent, HttpMethod.Post, $"/api/tickets/{ticket}/replies", Body(("body", Str(p)), ("internal", "true"))),
            (c, ticket, p) => c.InvokeAsync(Agent, "ReplyToTicket", ticket, Str(p), "true", "null"),
            (c, ticket) => c.TimelineAsync(ticket)),
        new("ticket rating comment", c => c.SolvedTicketAsync(),
            (c, ticket, p) => c.SendAsync(Customer, HttpMethod.Post, $"/api/tickets/{ticket}/rating", Body(("rating", c.NextRating()), ("comment", Str(p)))),
            (c, ticket, p) => c.InvokeAsync(Customer, "RateTicket", ticket, c.NextRating(), Str(p)),
            (c, ticket) => c.TimelineAsync(ticket)),
        new("ticket search", null,
            (c, _, p) => c.SendAsync(Agent, HttpMethod.Get, "/api/tickets?q=" + Query(p), null),
            (c, _, p) => c.InvokeAsync(Agent, "ListDeskTickets", Body(("search", Str(p)))),
            null),
        new("message search", null,
            (c, _, p) => c.SendAsync(Customer, HttpMethod.Get, $"/api/rooms/{General}/messages/search?q=" + Query(p), null),
            (c, _, p) => c.InvokeAsync(Customer, "SearchMessages", Str(General), Str(p)),
            null),
        new("canned response search", null,
            (c, _, p) => c.SendAsync(Manager, HttpMethod.Get, "/api/canned-responses?q=" + Query(p), null),
            null,
            null),
        new("canned response title", c => Task.FromResult("t" + Guid.NewGuid().ToString("N")[..12]),
            (c, shortcut, p) => c.SendAsync(Manager, HttpMethod.Post, "/api/canned-responses",
                Body(("shortcut", Str(shortcut)), ("title", Str(p)), ("body", Str("A ready answer.")), ("shared", "false"))),
            null,
            (c, _) => c.GetAsync(Manager, "/api/canned-responses")),
        new("canned response body", c => Task.FromResult("b" + Guid.NewGuid().ToString("N")[..12]),
            (c, shortcut, p) => c.SendAsync(Manager, HttpMethod.Post, "/api/canned-responses",
                Body(("shortcut", Str(shortcut)), ("title", Str("A title")), ("body", Str(p)), ("shared", "false"))),
            null,
            (c, _) => c.GetAsync(Manager, "/api/canned-responses")),
        new("webhook URL (path)", null,
            (c, _, p) => c.SendAsync(Admin, HttpMethod.Post, "/api/webhooks",
                Body(("url", Str("https://93.184.216.34/hooks/" + p)), ("events", "[\"ticket.created\"]"))),
            null,
            (c, _) => c.GetAsync(Admin, "/api/webhooks"),
            (c, _, _) => c.DeleteWebhooksAsync()),
        new("webhook URL (host)", null,
            (c, _, p) => c.SendAsync(Admin, HttpMethod.Post, "/api/webhooks",
                Body(("url", Str("https://hooks" + p + ".example.com/support")), ("events", "[\"ticket.created\"]"))),
            null,
            (c, _) => c.GetAsync(Admin, "/api/webhooks"),
            (c, _, _) => c.DeleteWebhooksAsync()),
        new("display name at sign-up", c => Task.FromResult($"abuse-{Guid.NewGuid():N}@demo.test"),
            null,
            null,
            (c, email) => c.DisplayNameAsync(email),
            Form: (c, email, p) => c.SignUpAsync(email, p)),
    ];

    private static string Str(string value) => RawJson.Str(value);

    private static string Id() => RawJson.Str(Guid.NewGuid().ToString());

    private static string Body(params (string Name, string Json)[] fields) => RawJson.Obj(fields);

    /// <summary>The payload percent-encoded as UTF-16 code units would be by a careless client: lone surrogates as WTF-8.</summary>
    private static string Query(string payload)
    {
        var builder = new StringBuilder();
        foreach (var rune in Split(payload))
        {
            foreach (var b in rune)
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();

        static IEnumerable<byte[]> Split(string text)
        {
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    yield return Encoding.UTF8.GetBytes(text.Substring(i++, 2));
                }
                else if (char.IsSurrogate(c))
                {
                    // The three bytes a lone surrogate would take in UTF-8 if it were allowed (invalid UTF-8).
                    yield return [(byte)(0xE0 | (c >> 12)), (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F))];
                }
                else
                {
                    yield return Encoding.UTF8.GetBytes(c.ToString());
                }
            }
        }
    }

    // ---------------------------------------------------------------- the app

    /// <summary>The app on Kestrel with the report rate limit lifted (every case files one).</summary>
    public sealed class App : KestrelAppFactory
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private Context? _context;

        protected override void ConfigureSettings(IDictionary<string, string?> settings)
        {
            settings["Moderation:ReportsPerWindow"] = "100000";
            settings["Webhooks:MaxEndpoints"] = "1000";
        }

        public async Task<Context> ContextAsync()
        {
            await _gate.WaitAsync();
            try
            {
                return _context ??= new Context(this);
            }
            finally
            {
                _gate.Release();
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _context is not null)
            {
                _context.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Signed-in REST and raw hub clients per account, and the objects some inputs need (created once).</summary>
    public sealed class Context(App app) : IAsyncDisposable
    {
        private readonly Dictionary<string, HttpClient> _clients = [];
        private readonly Dictionary<string, RawHubClient> _hubs = [];
        private string? _conversation;
        private string? _ticket;
        private string? _solvedTicket;
        private int _rating;

        /// <summary>Message id → its sequence in #general, for the inputs that need both.</summary>
        public Dictionary<string, string> Sequences { get; } = [];

        public string NextRating() => (_rating++ % 5 + 1).ToString(CultureInfo.InvariantCulture);

        public async Task<HttpClient> ClientAsync(string email)
        {
            if (!_clients.TryGetValue(email, out var client))
            {
                client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = CommunityAppFactory.Timeout };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await app.LoginAsync(email));
                _clients[email] = client;
            }

            return client;
        }

        public async Task<Outcome> SendAsync(string email, HttpMethod method, string path, string? json)
        {
            var client = await ClientAsync(email);
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                return new Outcome(true, null);
            }

            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{method} {path}: {(int)response.StatusCode} {text}");
            if (response.StatusCode == HttpStatusCode.RequestUriTooLong)
            {
                return new Outcome(false, Kestrel414);
            }

            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
            var detail = JsonNode.Parse(text)?["detail"]?.GetValue<string>();
            return new Outcome(false, $"{(int)response.StatusCode} {detail}");
        }

        public async Task<string> GetAsync(string email, string path)
        {
            var client = await ClientAsync(email);
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
            return text;
        }

        public async Task<Outcome> InvokeAsync(string email, string target, params string[] arguments)
        {
            if (!_hubs.TryGetValue(email, out var hub) || !hub.IsOpen)
            {
                hub = await RawHubClient.ConnectAsync(app.HubUrl, await app.LoginAsync(email));
                _hubs[email] = hub;
            }

            var reply = await hub.InvokeAsync(target, arguments);
            Assert.False(reply.Closed, $"{target}: the server closed the connection ({reply.Error})");
            return reply.Error is null ? new Outcome(true, null) : new Outcome(false, reply.Error);
        }

        /// <summary>Posts a message; returns its id (and remembers its sequence).</summary>
        public async Task<string> PostAsync(string email, string room, string body)
        {
            var client = await ClientAsync(email);
            using var response = await client.PostAsync(new Uri($"/api/rooms/{room}/messages", UriKind.Relative),
                new StringContent(Body(("clientMessageId", Id()), ("body", Str(body))), Encoding.UTF8, "application/json"));
            var message = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.True(response.IsSuccessStatusCode, message.ToJsonString());
            var id = message["id"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture);
            Sequences[id] = message["sequence"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture);
            return id;
        }

        public async Task<string> UserIdAsync(string email) =>
            JsonNode.Parse(await GetAsync(email, "/api/moderation/rights/mine"))!["userId"]!.GetValue<string>();

        /// <summary>A private conversation of the customer's, opened by the manager.</summary>
        public async Task<string> ConversationAsync()
        {
            if (_conversation is null)
            {
                var message = await PostAsync(Customer, General, "Can someone help me privately?");
                var client = await ClientAsync(Manager);
                using var response = await client.PostAsync(
                    new Uri($"/api/rooms/{General}/messages/{Sequences[message]}/reply-privately", UriKind.Relative), null);
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.IsSuccessStatusCode, text);
                _conversation = JsonNode.Parse(text)!["slug"]!.GetValue<string>();
            }

            return _conversation;
        }

        /// <summary>An open ticket of the customer's.</summary>
        public async Task<string> TicketAsync() => _ticket ??= await EscalateAsync("A ticket for replies");

        /// <summary>A solved ticket of the customer's, for ratings.</summary>
        public async Task<string> SolvedTicketAsync()
        {
            if (_solvedTicket is null)
            {
                var number = await EscalateAsync("A ticket to rate");
                var ticket = JsonNode.Parse(await GetAsync(Manager, "/api/tickets/" + number))!;
                var version = ticket["summary"]!["version"]!.GetValue<int>();
                var solved = await SendAsync(Manager, HttpMethod.Patch, "/api/tickets/" + number,
                    Body(("expectedVersion", version.ToString(CultureInfo.InvariantCulture)), ("status", Str("Solved"))));
                Assert.True(solved.Accepted, solved.Detail);
                _solvedTicket = number;
            }

            return _solvedTicket;
        }

        /// <summary>The ticket as its requester sees it, without the clocks that move with time.</summary>
        public async Task<string> TimelineAsync(string number)
        {
            var ticket = JsonNode.Parse(await GetAsync(Manager, "/api/tickets/" + number))!;
            return new JsonObject
            {
                ["timeline"] = ticket["timeline"]!.DeepClone(),
                ["rating"] = ticket["summary"]!["rating"]?.DeepClone(),
                ["version"] = ticket["summary"]!["version"]!.DeepClone(),
            }.ToJsonString();
        }

        public async Task DeleteWebhooksAsync()
        {
            var client = await ClientAsync(Admin);
            foreach (var hook in JsonNode.Parse(await GetAsync(Admin, "/api/webhooks"))!.AsArray())
            {
                using var response = await client.DeleteAsync(new Uri("/api/webhooks/" + hook!["id"], UriKind.Relative));
                Assert.True(response.IsSuccessStatusCode);
            }
        }

        private async Task<string> EscalateAsync(string subject)
        {
            var message = await PostAsync(Customer, General, subject + ", please.");
            var client = await ClientAsync(Manager);
            using var response = await client.PostAsync(new Uri("/api/tickets", UriKind.Relative), new StringContent(
                Body(("roomSlug", Str(General)), ("sequence", Sequences[message]), ("subject", Str(subject))), Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            var ticket = JsonNode.Parse(text)!;
            return (ticket["ticket"] ?? ticket)["summary"]!["number"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>Signs up through the real form (with its antiforgery token), as a browser posts it.</summary>
        public async Task<Outcome> SignUpAsync(string email, string displayName)
        {
            using var browser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = app.BaseAddress });
            using var page = await browser.GetAsync(new Uri("/signup", UriKind.Relative));
            var html = await page.Content.ReadAsStringAsync();
            var form = FormElement().Matches(html).Select(m => m.Value).Single(f => f.Contains("value=\"signup\"", StringComparison.Ordinal));
            var fields = HiddenInput().Matches(form).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["value"].Value));
            fields["Input.DisplayName"] = displayName;
            fields["Input.Email"] = email;
            fields["Input.Password"] = DemoCommunity.Password;
            fields["Input.ConfirmPassword"] = DemoCommunity.Password;

            // A form posts UTF-8; a lone surrogate cannot be encoded, so it goes out as a browser sends it: U+FFFD.
            using var response = await browser.PostAsync(new Uri("/signup", UriKind.Relative), new FormUrlEncodedContent(fields));
            // Signed up: a redirect, or (when the response had started) the signed-in app shell. The account tells.
            if (response.StatusCode == HttpStatusCode.Redirect || !(await DisplayNameAsync(email)).Contains("null", StringComparison.Ordinal))
            {
                return new Outcome(true, null);
            }

            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                // The form reader refuses some control characters before the page runs; the answer is a plain 400.
                return new Outcome(false, "400 " + body);
            }

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
            var errors = FieldError().Matches(body).Concat(AlertError().Matches(body)).Select(m => WebUtility.HtmlDecode(m.Groups["text"].Value).Trim()).Where(t => t.Length > 0).ToList();
            Assert.True(errors.Count > 0, "the sign-up form was refused without saying why");
            return new Outcome(false, string.Join(" | ", errors));
        }

        public async Task<string> DisplayNameAsync(string email)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<CommunityUser>>().FindByEmailAsync(email);
            return new JsonObject { ["displayName"] = user?.DisplayName }.ToJsonString();
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var hub in _hubs.Values)
            {
                await hub.DisposeAsync();
            }

            foreach (var client in _clients.Values)
            {
                client.Dispose();
            }
        }
    }

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormElement();

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\"")]
    private static partial Regex HiddenInput();

    [GeneratedRegex("mud-alert-message[^>]*>\\s*<div>(?<text>[^<]*)<")]
    private static partial Regex AlertError();

    [GeneratedRegex("class=\"(?:field-error|validation-message|form-error)[^\"]*\"[^>]*>(?<text>[^<]*)<")]
    private static partial Regex FieldError();
}
