using System.Diagnostics;
using System.Net.WebSockets;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Data;
using SupportCommunity.Messages;
using SupportCommunity.Web.Realtime;
using SupportCommunity.Web.Tests.Integration.Moderation;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>
/// Hostile frames on the hub's WebSocket (issue 8): at least 10,000 malformed or random frames from a signed-in
/// customer over a raw socket, every hub method with wrong argument counts and types. The server must not fall over,
/// must never answer with internals, must store nothing, and other members must go on chatting meanwhile.
/// </summary>
public sealed class HubFuzzTests(KestrelAppFactory app, ITestOutputHelper output) : IClassFixture<KestrelAppFactory>
{
    private const int Frames = 10_000;
    private const int Workers = 4;
    private const char Separator = '\u001e';

    [Fact]
    public async Task TenThousandHostileFrames_NoCrashNoInternalsNothingStored_OthersUnaffected()
    {
        var (_, fuzzerEmail) = await Members.RegisterAsync(app, "Fuzzer");
        var token = await app.LoginAsync(fuzzerEmail);
        var before = await SnapshotMessagesAsync();

        await using var chat = await Chat.StartAsync(app);
        var fuzzers = Enumerable.Range(0, Workers)
            .Select(worker => new Fuzzer(app.HubUrl, token, new FrameGenerator(seed: 8_000 + worker)))
            .ToList();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(fuzzers.Select(f => f.RunAsync(Frames / Workers)));
        clock.Stop();
        var chatted = await chat.StopAsync();

        var replies = fuzzers.SelectMany(f => f.Replies).ToList();
        var sent = fuzzers.Sum(f => f.Sent);
        var closes = fuzzers.Sum(f => f.Closes);
        output.WriteLine($"{sent} frames in {clock.Elapsed.TotalSeconds:0.0} s, {closes} connections closed by the server and reopened, " +
                         $"{replies.Count} server frames read; meanwhile {chatted.Sent} chat messages, ack p99 {chatted.P99:0.0} ms, delivery p99 {chatted.DeliveryP99:0.0} ms.");

        Assert.True(sent >= Frames, $"Only {sent} frames were sent.");
        Assert.All(replies, reply =>
        {
            Assert.DoesNotContain("   at ", reply, StringComparison.Ordinal);
            // SignalR names a deliberate refusal "HubException: <message>"; any other exception name is an internal.
            Assert.DoesNotContain("Exception", reply.Replace("HubException: ", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.DoesNotContain("SupportCommunity.", reply, StringComparison.Ordinal);
            Assert.DoesNotContain("Microsoft.", reply, StringComparison.Ordinal);
        });
        Assert.Equal(0, chatted.Failures);
        Assert.True(chatted.Sent > 0, "The other members sent nothing while the fuzzer ran.");

        // Nothing the fuzzer sent was stored or changed anything: the only new messages are the chat's own.
        var after = await SnapshotMessagesAsync();
        var changed = after.Where(m => !before.TryGetValue(m.Key, out var old) || old != m.Value).Select(m => m.Key).ToHashSet();
        Assert.Equal(chatted.StoredIds.Order(), changed.Order());

        // And the server still serves newcomers.
        await using var late = await Chat.ConnectAsync(app, Customer2);
        var message = await late.SendAsync(Feedback, "still standing after the fuzzing");
        Assert.Equal("still standing after the fuzzing", message.Body);
    }

    private async Task<Dictionary<long, (long Revision, bool Deleted)>> SnapshotMessagesAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        return await db.Messages.AsNoTracking().ToDictionaryAsync(m => m.Id, m => (m.Revision, m.DeletedAt != null));
    }

    /// <summary>One raw WebSocket client sending hostile frames; after each, a barrier invocation tells whether it was survived.</summary>
    private sealed class Fuzzer(Uri hubUrl, string token, FrameGenerator frames)
    {
        private ClientWebSocket? _socket;
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _barrier;
        private string _last = "";

        public List<string> Replies { get; } = [];

        public int Sent { get; private set; }

        public int Closes { get; private set; }

        public async Task RunAsync(int count)
        {
            try
            {
                for (var i = 0; i < count; i++)
                {
                    if (_socket is null)
                    {
                        await ConnectAsync();
                    }

                    _last = frames.Next();
                    await SendAsync(_last);
                    Sent++;
                    // Either the server answers the barrier (the frame was refused or ignored and the connection lives),
                    // or it closes the connection (a frame it cannot parse); both are fine, a hang is not.
                    var barrier = "fuzz-barrier-" + ++_barrier;
                    await SendAsync($$"""{"type":1,"invocationId":"{{barrier}}","target":"NoSuchMethod","arguments":[]}""" + Separator);
                    if (!await ReadUntilAsync(barrier))
                    {
                        Closes++;
                        _socket!.Dispose();
                        _socket = null;
                    }
                }
            }
            finally
            {
                _socket?.Dispose();
            }
        }

        private async Task ConnectAsync()
        {
            var socket = new ClientWebSocket();
            var uri = new UriBuilder(hubUrl) { Scheme = "ws", Query = "access_token=" + Uri.EscapeDataString(token) }.Uri;
            await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(CommunityAppFactory.Timeout);
            _socket = socket;
            await SendAsync("""{"protocol":"json","version":1}""" + Separator);
            if (!await ReadUntilAsync(handshake: true))
            {
                throw new InvalidOperationException("The hub refused the handshake.");
            }
        }

        private async Task SendAsync(string frame)
        {
            try
            {
                await _socket!.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None)
                    .WaitAsync(CommunityAppFactory.Timeout);
            }
            catch (WebSocketException)
            {
                // The server closed the socket after an earlier frame; the read below sees the close.
            }
        }

        /// <summary>Reads server frames until the barrier's completion (true) or the close (false).</summary>
        /// <remarks>
        /// A frame of a message type the protocol does not know is ignored by the server (forward compatibility), and the
        /// frames that arrived in the same read then wait for the next bytes. Like a real client's keep-alive, a ping
        /// every 50 ms while waiting moves them on.
        /// </remarks>
        private async Task<bool> ReadUntilAsync(string? barrier = null, bool handshake = false)
        {
            var text = new StringBuilder();
            using var timeout = new CancellationTokenSource(CommunityAppFactory.Timeout);
            using var keepAlive = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            Task<bool>? tick = null;
            while (true)
            {
                WebSocketReceiveResult result;
                try
                {
                    var receive = _socket!.ReceiveAsync(_buffer, timeout.Token);
                    while (!handshake)
                    {
                        tick ??= keepAlive.WaitForNextTickAsync().AsTask();
                        if (await Task.WhenAny(receive, tick) == receive)
                        {
                            break;
                        }

                        tick = null;
                        await SendAsync("""{"type":6}""" + Separator);
                    }

                    result = await receive;
                }
                catch (WebSocketException)
                {
                    return false;
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException(
                        $"The hub neither answered {barrier ?? "the handshake"} nor closed within {CommunityAppFactory.Timeout}, after: {(_last.Length > 300 ? _last[..300] : _last)}");
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return false;
                }

                text.Append(Encoding.UTF8.GetString(_buffer, 0, result.Count));
                if (!result.EndOfMessage)
                {
                    continue;
                }

                foreach (var frame in text.ToString().Split(Separator, StringSplitOptions.RemoveEmptyEntries))
                {
                    Replies.Add(frame);
                    if (handshake && frame == "{}")
                    {
                        return true;
                    }

                    if (barrier is not null && frame.Contains($"\"invocationId\":\"{barrier}\"", StringComparison.Ordinal))
                    {
                        return true;
                    }

                    if (frame.Contains("\"type\":7", StringComparison.Ordinal))
                    {
                        return false;
                    }
                }

                text.Clear();
            }
        }
    }

    /// <summary>Random hostile frames, reproducible from a seed: every hub method with wrong arguments, and worse.</summary>
    private sealed class FrameGenerator(int seed)
    {
        private static readonly string[] Targets = [.. typeof(CommunityHub)
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName)
            .Select(m => m.Name)
            .Distinct()
            .Concat(["OnConnectedAsync", "OnDisconnectedAsync", "Dispose", "sendmessage", "SendMessage\u0000", "", " "])];

        // No value here binds to a Guid, so no SendMessage can succeed; longs are ids the fuzzer does not own.
        private static readonly string[] Values =
        [
            "null", "true", "false", "0", "-1", "1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
            "1e309", "-0", "0.5", "\"\"", "\" \"", "\"general\"", "\"billing\"", "\"no-such-room\"", "\"../../etc/passwd\"",
            "\"' OR 1=1 --\"", "\"<script>alert(1)</script>\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\u202e\\u2066\"",
            "\"" + string.Concat(Enumerable.Repeat("\\u200b", 2000)) + "\"", "\"e\\u0301\\u0301\\u0301\\u0301\\u0301\\u0301\\u0301\\u0301\"",
            "\"not-a-guid\"", "\"00000000-0000-0000-0000-00000000000g\"", "{}", "[]", "[[[[[[[[[[]]]]]]]]]]", "{\"a\":{\"b\":{\"c\":[1,2,3]}}}",
            "\"" + new string('x', 20_000) + "\"", "[1,\"two\",null]", "{\"$type\":\"System.IO.FileInfo\"}", "\"\\\\\\\"\"",
        ];

        private readonly Random _random = new(seed);

        public string Next() => (_random.Next(100) switch
        {
            < 40 => Invocation(),
            < 50 => StreamOrCancel(),
            < 58 => WrongType(),
            < 66 => NotAHubMessage(),
            < 74 => BrokenJson(),
            < 80 => RandomBytes(),
            < 86 => DeepNesting(),
            < 92 => Completion(),
            _ => HugeOrEmpty(),
        }) + Separator;

        private string Pick(string[] from) => from[_random.Next(from.Length)];

        private string Arguments() =>
            "[" + string.Join(",", Enumerable.Range(0, _random.Next(0, 7)).Select(_ => Pick(Values))) + "]";

        private string Id() => _random.Next(4) switch
        {
            0 => "null",
            1 => "42",
            2 => "\"" + _random.Next() + "\"",
            _ => "\"\"",
        };

        private string Invocation() =>
            $$"""{"type":1,"invocationId":{{Id()}},"target":"{{Escape(Pick(Targets))}}","arguments":{{Arguments()}}}""";

        private string StreamOrCancel() => _random.Next(3) switch
        {
            0 => $$"""{"type":4,"invocationId":"{{_random.Next()}}","target":"{{Escape(Pick(Targets))}}","arguments":{{Arguments()}}}""",
            1 => $$"""{"type":5,"invocationId":{{Id()}}}""",
            _ => $$"""{"type":2,"invocationId":"{{_random.Next()}}","item":{{Pick(Values)}}}""",
        };

        private string WrongType() =>
            $$"""{"type":{{Pick(["-1", "0", "8", "99", "\"1\"", "null", "1.5", "[]"])}},"target":"SendMessage","arguments":["general","{{Guid.NewGuid()}}","hi"]}""";

        private string NotAHubMessage() => Pick(["[]", "null", "42", "\"hello\"", "{}", "true", "{\"protocol\":\"json\",\"version\":1}", "{\"type\":1}", "{\"arguments\":[]}"]);

        private string BrokenJson() => Pick([
            "{", "}", "{\"type\":1,", "{\"type\":1,\"target\":\"SendMessage\",\"arguments\":[\"general\"", "{'type':1}", "{type:1}",
            "{\"type\":1,\"target\":\"SendMessage\",\"arguments\":[\"general\",]}", "{\"type\":1 \"target\":\"x\"}", "\"unterminated",
            "{\"type\":1,\"target\":\"\\uZZZZ\"}", "{\"type\":1,\"target\":\"x\",\"arguments\":[1e99999999999]}",
        ]);

        private string RandomBytes()
        {
            // Text frames must be UTF-8 for the socket; random code points, control characters and separators inside.
            var length = _random.Next(1, 300);
            var builder = new StringBuilder(length);
            for (var i = 0; i < length; i++)
            {
                var c = (char)_random.Next(0, 0xD7FF);
                builder.Append(_random.Next(10) == 0 ? '\u001e' : c);
            }

            return builder.ToString();
        }

        private string DeepNesting()
        {
            var depth = _random.Next(50, 2_000);
            return $$"""{"type":1,"invocationId":"1","target":"SendMessage","arguments":[{{new string('[', depth)}}{{new string(']', depth)}}]}""";
        }

        private string Completion() =>
            $$"""{"type":3,"invocationId":{{Id()}},"result":{{Pick(Values)}},"error":{{Pick(Values)}}}""";

        private string HugeOrEmpty() => _random.Next(3) switch
        {
            // Over SignalR's 32 KB frame limit: the server drops the connection rather than buffer it.
            0 => $$"""{"type":1,"target":"SendMessage","arguments":["general","{{Guid.NewGuid()}}","{{new string('a', 40_000)}}"]}""",
            1 => "",
            _ => new string(' ', _random.Next(1, 5_000)),
        };

        private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\u0000", "\\u0000", StringComparison.Ordinal);
    }

    /// <summary>Two members chatting in #feedback while the fuzzer runs: every send must be acknowledged and delivered.</summary>
    private sealed class Chat : IAsyncDisposable
    {
        private readonly HubSession _sender;
        private readonly HubSession _reader;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly List<double> _acks = [];
        private readonly List<double> _deliveries = [];
        private readonly Dictionary<Guid, (long Sent, TaskCompletionSource Delivered)> _pending = [];
        private readonly List<long> _stored = [];
        private int _failures;

        private Chat(HubSession sender, HubSession reader)
        {
            _sender = sender;
            _reader = reader;
            _reader.Connection.On<MessageDto>("MessageReceived", message =>
            {
                lock (_pending)
                {
                    if (_pending.Remove(message.ClientMessageId, out var waiting))
                    {
                        _deliveries.Add(Stopwatch.GetElapsedTime(waiting.Sent).TotalMilliseconds);
                        waiting.Delivered.TrySetResult();
                    }
                }
            });
            _loop = Task.Run(RunAsync);
        }

        /// <summary>The official client over the network, as in production.</summary>
        public static async Task<HubSession> ConnectAsync(KestrelAppFactory app, string email)
        {
            var connection = app.BuildNetworkHubConnection(await app.LoginAsync(email));
            var events = HubEventRecorder.Attach(connection);
            await connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout);
            return new HubSession(connection, events);
        }

        public static async Task<Chat> StartAsync(KestrelAppFactory app)
        {
            var sender = await ConnectAsync(app, Member);
            var reader = await ConnectAsync(app, Customer2);
            await sender.JoinRoomAsync(Feedback);
            await reader.JoinRoomAsync(Feedback);
            return new Chat(sender, reader);
        }

        private async Task RunAsync()
        {
            // A steady 50 messages/s: a lively room, well under the flood limit.
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            var n = 0;
            while (!_stop.IsCancellationRequested && await pace.WaitForNextTickAsync())
            {
                var id = Guid.NewGuid();
                var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var sent = Stopwatch.GetTimestamp();
                lock (_pending)
                {
                    _pending[id] = (sent, delivered);
                }

                try
                {
                    var message = await _sender.SendAsync(Feedback, $"chatting through the storm #{++n}", id);
                    _acks.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    _stored.Add(message.Id);
                    await delivered.Task.WaitAsync(CommunityAppFactory.Timeout);
                }
                catch (Exception) when (!_stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _failures);
                }
            }
        }

        public async Task<(int Sent, int Failures, double P99, double DeliveryP99, IReadOnlyList<long> StoredIds)> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            return (_acks.Count, _failures, Percentile(_acks, 0.99), Percentile(_deliveries, 0.99), _stored);
        }

        private static double Percentile(List<double> values, double p)
        {
            if (values.Count == 0)
            {
                return 0;
            }

            var sorted = values.Order().ToList();
            return sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];
        }

        public async ValueTask DisposeAsync()
        {
            await _sender.DisposeAsync();
            await _reader.DisposeAsync();
            _stop.Dispose();
        }
    }
}
