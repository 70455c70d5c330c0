using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>
/// JSON written by hand, so that a payload reaches the server exactly as meant: every character outside printable
/// ASCII is a <c>\uXXXX</c> escape, lone surrogates included (serializers replace or refuse those).
/// </summary>
public static class RawJson
{
    public static string Str(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c is < ' ' or > '~')
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>An object from name and raw JSON value pairs.</summary>
    public static string Obj(params (string Name, string Json)[] fields) =>
        "{" + string.Join(",", fields.Select(f => Str(f.Name) + ":" + f.Json)) + "}";
}

/// <summary>
/// A hub client speaking SignalR's JSON protocol over a raw WebSocket, so that arguments go out byte for byte as
/// written (a lone surrogate stays one). Answers are the completion's result or error.
/// </summary>
public sealed class RawHubClient : IAsyncDisposable
{
    private const char Separator = '\u001e';

    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[256 * 1024];
    private readonly StringBuilder _pending = new();
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly char[] _chars = new char[256 * 1024];
    private int _invocation;

    private RawHubClient()
    {
    }

    public static async Task<RawHubClient> ConnectAsync(Uri hubUrl, string token)
    {
        var client = new RawHubClient();
        var uri = new UriBuilder(hubUrl) { Scheme = "ws", Query = "access_token=" + Uri.EscapeDataString(token) }.Uri;
        await client._socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(CommunityAppFactory.Timeout);
        await client.SendAsync("""{"protocol":"json","version":1}""" + Separator);
        var handshake = await client.NextFrameAsync();
        if (handshake != "{}")
        {
            throw new InvalidOperationException("The hub refused the handshake: " + handshake);
        }

        return client;
    }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    /// <summary>Invokes <paramref name="target"/> with arguments given as raw JSON; the completion's result or error.</summary>
    public async Task<HubReply> InvokeAsync(string target, params string[] jsonArguments)
    {
        var id = "i" + ++_invocation;
        await SendAsync($$"""{"type":1,"invocationId":"{{id}}","target":"{{target}}","arguments":[{{string.Join(",", jsonArguments)}}]}""" + Separator);
        while (true)
        {
            var frame = await NextFrameAsync();
            if (frame is null)
            {
                return new HubReply(null, null, Closed: true);
            }

            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            var type = root.GetProperty("type").GetInt32();
            if (type == 7)
            {
                return new HubReply(null, root.TryGetProperty("error", out var closeError) ? closeError.GetString() : null, Closed: true);
            }

            if (type == 3 && root.GetProperty("invocationId").GetString() == id)
            {
                return root.TryGetProperty("error", out var error)
                    ? new HubReply(null, error.GetString(), Closed: false)
                    : new HubReply(root.TryGetProperty("result", out var result) ? result.GetRawText() : "null", null, Closed: false);
            }
        }
    }

    private async Task SendAsync(string frame) =>
        await _socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None)
            .WaitAsync(CommunityAppFactory.Timeout);

    /// <summary>The next frame from the server (events and pings included), or null when it closed.</summary>
    private async Task<string?> NextFrameAsync()
    {
        using var timeout = new CancellationTokenSource(CommunityAppFactory.Timeout);
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf(Separator, StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 1);
                return text[..end];
            }

            WebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(_buffer, timeout.Token);
            }
            catch (WebSocketException)
            {
                return null;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            var count = _decoder.GetChars(_buffer, 0, result.Count, _chars, 0);
            _pending.Append(_chars, 0, count);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is WebSocketException or TimeoutException)
            {
                // Already going away.
            }
        }

        _socket.Dispose();
    }
}

/// <summary>A hub call's answer: the result as raw JSON, or the error text; <see cref="Closed"/> when the server hung up instead.</summary>
public sealed record HubReply(string? ResultJson, string? Error, bool Closed);
