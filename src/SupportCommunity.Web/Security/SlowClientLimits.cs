using Microsoft.AspNetCore.Http.Connections;

namespace SupportCommunity.Web.Security;

/// <summary>
/// What one community hub connection may hold on the server, stated rather than left to SignalR's defaults: a client
/// that stops reading its socket (a stalled tab, a hostile script) holds at most these buffers, and is closed once a
/// send to it has been stuck for <see cref="SendTimeout"/>. Measured in docs/reliability.md ("Abuse").
/// </summary>
public static class SlowClientLimits
{
    /// <summary>Bytes buffered from the transport before the server stops reading a client (SignalR's default).</summary>
    public const long ApplicationMaxBufferSize = 64 * 1024;

    /// <summary>Bytes buffered towards a client before writes to it wait (SignalR's default).</summary>
    public const long TransportMaxBufferSize = 64 * 1024;

    /// <summary>
    /// A send stuck this long closes the connection (SignalR's default is 10 s). Until then the room's fan-out waits
    /// for it, so this is also the longest pause one never-reading client can cause the other members. Not shorter:
    /// a member on a slow link receiving a large catch-up, or a client starved of CPU, must not be cut off for it.
    /// </summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);

    public static void Apply(HttpConnectionDispatcherOptions options)
    {
        options.ApplicationMaxBufferSize = ApplicationMaxBufferSize;
        options.TransportMaxBufferSize = TransportMaxBufferSize;
        options.TransportSendTimeout = SendTimeout;
    }
}
