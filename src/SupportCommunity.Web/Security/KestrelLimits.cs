using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace SupportCommunity.Web.Security;

/// <summary>Kestrel's limits, stated here instead of left to its defaults; <c>Kestrel:Limits</c> overrides any of them.</summary>
public static class KestrelLimits
{
    public const string Section = "Kestrel:Limits";

    /// <summary>
    /// Far above any request the app takes (a message is at most 4,000 characters; its endpoint refuses bodies over
    /// 64 KB), far below Kestrel's 30 MB default. Hub frames are capped by SignalR (32 KB), not by this.
    /// </summary>
    public const long MaxRequestBodySize = 1024 * 1024;

    public static void Apply(WebHostBuilderContext context, KestrelServerOptions kestrel)
    {
        kestrel.AddServerHeader = false;

        var limits = kestrel.Limits;
        limits.MaxRequestBodySize = MaxRequestBodySize;
        // Cookies and a bearer token on the query string fit many times over.
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
        limits.MaxRequestLineSize = 8 * 1024;
        limits.MaxRequestHeaderCount = 100;
        // Hub connections and circuits stay open: room for design.md's 5,000 members per node with headroom,
        // and a ceiling before the node runs out of file descriptors.
        limits.MaxConcurrentConnections = 10_000;
        limits.MaxConcurrentUpgradedConnections = 10_000;
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(120);
        // A client that trickles its headers (slowloris) is dropped after this.
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);

        context.Configuration.GetSection(Section).Bind(limits);
    }
}
