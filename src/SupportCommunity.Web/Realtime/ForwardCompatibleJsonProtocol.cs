using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace SupportCommunity.Web.Realtime;

/// <summary>
/// SignalR's JSON protocol, except that a frame of a message type it does not know is read as a ping.
/// </summary>
/// <remarks>
/// The JSON protocol ignores unknown message types, for forward compatibility, by reporting "no message" for a frame
/// it has read. With a maximum message size set (we set 32 KB) the hub's read loop then stops at that frame for
/// good: every later frame on the connection waits behind it until the client times out. A hostile client could
/// park connections that way. Read as a ping, the frame is ignored and the frames after it are handled
/// (HubFuzzTests found this).
/// </remarks>
public sealed class ForwardCompatibleJsonProtocol(IOptions<JsonHubProtocolOptions> options) : IHubProtocol
{
    private readonly JsonHubProtocol _json = new(options);

    public string Name => _json.Name;

    public int Version => _json.Version;

    public TransferFormat TransferFormat => _json.TransferFormat;

    public bool IsVersionSupported(int version) => _json.IsVersionSupported(version);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        var length = input.Length;
        if (_json.TryParseMessage(ref input, binder, out message))
        {
            return true;
        }

        if (input.Length == length)
        {
            // An incomplete frame: wait for more bytes.
            return false;
        }

        message = PingMessage.Instance;
        return true;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => _json.WriteMessage(message, output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => _json.GetMessageBytes(message);
}

/// <summary>
/// Hub protocols by name, as SignalR's own resolver finds them, with the JSON protocol swapped for
/// <see cref="ForwardCompatibleJsonProtocol"/>. (Replacing the resolver holds however often <c>AddSignalR</c> runs
/// again, for example from Blazor's setup, which registers the plain JSON protocol anew.)
/// </summary>
public sealed class ForwardCompatibleProtocolResolver(IEnumerable<IHubProtocol> protocols, IOptions<JsonHubProtocolOptions> json) : IHubProtocolResolver
{
    private readonly IReadOnlyList<IHubProtocol> _protocols = [.. protocols
        .Select(p => p is JsonHubProtocol ? new ForwardCompatibleJsonProtocol(json) : p)
        .GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
        .Select(g => g.Last())];

    public IReadOnlyList<IHubProtocol> AllProtocols => _protocols;

    public IHubProtocol? GetProtocol(string protocolName, IReadOnlyList<string>? supportedProtocols) =>
        supportedProtocols is null || supportedProtocols.Contains(protocolName, StringComparer.OrdinalIgnoreCase)
            ? _protocols.FirstOrDefault(p => string.Equals(p.Name, protocolName, StringComparison.OrdinalIgnoreCase))
            : null;
}
