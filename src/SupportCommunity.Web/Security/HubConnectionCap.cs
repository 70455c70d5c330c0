using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Security;

/// <summary>Caps on open community hub connections, from the <c>Limits</c> section (beside the message limits).</summary>
public sealed class ConnectionLimits
{
    public const string Section = "Limits";

    /// <summary>Open hub connections per account on one node: tabs, widgets and bots together.</summary>
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>Open hub connections per client address on one node (an IPv6 client counts by its /64 network).</summary>
    public int MaxConnectionsPerIp { get; set; } = 200;
}

/// <summary>
/// Counts this node's open hub connections per user and per client address (ADR-0006: per node, in process).
/// A connection is counted from the hub's OnConnected to its OnDisconnected.
/// </summary>
public sealed class HubConnectionCounter(IOptions<ConnectionLimits> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perAddress = new(StringComparer.Ordinal);
    private readonly ConnectionLimits _limits = options.Value;

    /// <summary>Why one more connection would be refused now, or null. Reads only: <see cref="TryOpen"/> decides.</summary>
    public string? Refusal(string userId, string? address)
    {
        lock (_gate)
        {
            return RefusalLocked(userId, address);
        }
    }

    /// <summary>Counts a new connection, unless a cap is reached: then returns false and why.</summary>
    public bool TryOpen(string userId, string? address, out string? refusal)
    {
        lock (_gate)
        {
            refusal = RefusalLocked(userId, address);
            if (refusal is not null)
            {
                return false;
            }

            Increment(_perUser, userId);
            if (address is not null)
            {
                Increment(_perAddress, address);
            }

            return true;
        }
    }

    public void Close(string userId, string? address)
    {
        lock (_gate)
        {
            Decrement(_perUser, userId);
            if (address is not null)
            {
                Decrement(_perAddress, address);
            }
        }
    }

    /// <summary>The open connections of one user on this node.</summary>
    public int OpenFor(string userId)
    {
        lock (_gate)
        {
            return _perUser.GetValueOrDefault(userId);
        }
    }

    /// <summary>
    /// The key a client address counts under: an IPv4 address (IPv4-mapped IPv6 included) as is, an IPv6 address by
    /// its /64 network, which one subscriber usually holds whole. Null without an IP (in-memory test server, unix socket).
    /// </summary>
    public static string? AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>
    /// The key of a request's client address. Read from the connection feature: <c>HttpContext.Connection</c> would
    /// make an object that a hub connection's request then keeps for the connection's life.
    /// </summary>
    public static string? AddressKey(HttpContext? context) =>
        AddressKey(context?.Features.Get<IHttpConnectionFeature>()?.RemoteIpAddress);

    private string? RefusalLocked(string userId, string? address)
    {
        if (_perUser.GetValueOrDefault(userId) >= _limits.MaxConnectionsPerUser)
        {
            return $"Too many live connections for this account: at most {_limits.MaxConnectionsPerUser} at a time. Close a tab or an idle client, then try again.";
        }

        if (address is not null && _perAddress.GetValueOrDefault(address) >= _limits.MaxConnectionsPerIp)
        {
            return $"Too many live connections from your network address: at most {_limits.MaxConnectionsPerIp} at a time. Close some, then try again.";
        }

        return null;
    }

    private static void Increment(Dictionary<string, int> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;

    private static void Decrement(Dictionary<string, int> counts, string key)
    {
        var left = counts.GetValueOrDefault(key) - 1;
        if (left > 0)
        {
            counts[key] = left;
        }
        else
        {
            counts.Remove(key);
        }
    }
}

/// <summary>
/// Counts every community hub connection, and refuses one over a cap with a HubException: the server closes it
/// right after the handshake, with that message. This is where the caps hold, also for clients that skip negotiation.
/// </summary>
public sealed class HubConnectionCapFilter(HubConnectionCounter counter) : IHubFilter
{
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var (user, address) = Identify(context.Context);
        if (!counter.TryOpen(user, address, out var refusal))
        {
            throw new HubException(refusal);
        }

        try
        {
            await next(context);
        }
        catch
        {
            // SignalR does not call OnDisconnected for a connection whose OnConnected failed.
            counter.Close(user, address);
            throw;
        }
    }

    /// <remarks>
    /// SignalR calls OnDisconnected only for a connection whose OnConnected completed (a failed one is closed without
    /// it), so every connection that gets here was counted, and nothing per connection needs to remember it.
    /// </remarks>
    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        finally
        {
            var (user, address) = Identify(context.Context);
            counter.Close(user, address);
        }
    }

    // The hub is [Authorize]d, so every connection has a user id (the NameIdentifier claim).
    private static (string User, string? Address) Identify(HubCallerContext context) =>
        (context.UserIdentifier ?? "", HubConnectionCounter.AddressKey(context.GetHttpContext()));
}

/// <summary>
/// Refuses a new community hub connection over a cap before it opens: the negotiate request, or the WebSocket
/// upgrade of a client that skips negotiation, gets 429 with problem details. Runs after authentication.
/// </summary>
public sealed class HubConnectionCapCheck(RequestDelegate next, HubConnectionCounter counter, IProblemDetailsService problems)
{
    /// <remarks>Not async on the way through: a hub connection's request stays in the pipeline for its whole life.</remarks>
    public Task InvokeAsync(HttpContext context) =>
        !OpensConnection(context.Request)
        || context.User.FindFirstValue(ClaimTypes.NameIdentifier) is not { Length: > 0 } user
        || counter.Refusal(user, HubConnectionCounter.AddressKey(context)) is not { } refusal
            ? next(context)
            : RefuseAsync(context, refusal);

    private async Task RefuseAsync(HttpContext context, string refusal)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Detail = refusal },
        });
    }

    /// <summary>Negotiate, or a connect without the connection id that negotiate hands out.</summary>
    private static bool OpensConnection(HttpRequest request) =>
        request.Path.Equals(CommunityHub.Path + "/negotiate", StringComparison.OrdinalIgnoreCase)
        || (request.Path.Equals(CommunityHub.Path, StringComparison.OrdinalIgnoreCase) && !request.Query.ContainsKey("id"));
}
