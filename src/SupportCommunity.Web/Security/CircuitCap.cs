using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace SupportCommunity.Web.Security;

/// <summary>Caps on open Blazor circuits (browser tabs of the app), from the <c>Limits</c> section.</summary>
public sealed class CircuitLimits
{
    public const string Section = "Limits";

    /// <summary>Open circuits per account on one node: each tab of the community holds one.</summary>
    public int MaxCircuitsPerUser { get; set; } = 10;

    /// <summary>Open circuits per client address on one node (an IPv6 client counts by its /64 network).</summary>
    public int MaxCircuitsPerIp { get; set; } = 100;
}

/// <summary>
/// Counts this node's open Blazor circuits per signed-in user and per client address (ADR-0006: per node, in
/// process), from the circuit's opening to its closing. A tab that is closed ends its circuit at once (the browser
/// tells the server); one that vanishes (a crash, a dropped network) keeps its slot until the server lets the
/// circuit go (Blazor keeps a disconnected circuit for 3 minutes, so that it can reconnect).
/// </summary>
public sealed class CircuitCounter(IOptions<CircuitLimits> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perAddress = new(StringComparer.Ordinal);
    private readonly CircuitLimits _limits = options.Value;

    /// <summary>Why one more circuit would be refused now, or null. Reads only: <see cref="TryOpen"/> decides.</summary>
    public string? Refusal(string? userId, string? address)
    {
        lock (_gate)
        {
            return RefusalLocked(userId, address);
        }
    }

    public bool TryOpen(string? userId, string? address, out string? refusal)
    {
        lock (_gate)
        {
            refusal = RefusalLocked(userId, address);
            if (refusal is not null)
            {
                return false;
            }

            Change(_perUser, userId, +1);
            Change(_perAddress, address, +1);
            return true;
        }
    }

    public void Close(string? userId, string? address)
    {
        lock (_gate)
        {
            Change(_perUser, userId, -1);
            Change(_perAddress, address, -1);
        }
    }

    /// <summary>The open circuits of one user on this node.</summary>
    public int OpenFor(string userId)
    {
        lock (_gate)
        {
            return _perUser.GetValueOrDefault(userId);
        }
    }

    /// <summary>The open circuits from one client address key (see <see cref="HubConnectionCounter.AddressKey"/>) on this node.</summary>
    public int OpenFrom(string addressKey)
    {
        lock (_gate)
        {
            return _perAddress.GetValueOrDefault(addressKey);
        }
    }

    private string? RefusalLocked(string? userId, string? address)
    {
        if (userId is not null && _perUser.GetValueOrDefault(userId) >= _limits.MaxCircuitsPerUser)
        {
            return $"You have the community open in too many tabs: at most {_limits.MaxCircuitsPerUser} at a time. Close one of them, then reload this page.";
        }

        if (address is not null && _perAddress.GetValueOrDefault(address) >= _limits.MaxCircuitsPerIp)
        {
            return $"Too many community pages are open from your network address: at most {_limits.MaxCircuitsPerIp} at a time. Close some, then reload this page.";
        }

        return null;
    }

    private static void Change(Dictionary<string, int> counts, string? key, int by)
    {
        if (key is null)
        {
            return;
        }

        var value = counts.GetValueOrDefault(key) + by;
        if (value > 0)
        {
            counts[key] = value;
        }
        else
        {
            counts.Remove(key);
        }
    }
}

/// <summary>
/// Counts every circuit from its opening to its closing, and refuses one over a cap: this is where the caps hold,
/// also for circuits that passed the negotiate check together. A refused circuit fails to start (Blazor ends it).
/// </summary>
public sealed class CircuitCapHandler(CircuitCounter counter, AuthenticationStateProvider authentication, IHttpContextAccessor http)
    : CircuitHandler
{
    private (string? User, string? Address)? _counted;

    /// <summary>Before the app's own handlers, so that a refused circuit does no work.</summary>
    public override int Order => -1_000;

    public override async Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        // The circuit starts inside its /_blazor connection's request, whose address the accessor still holds here.
        var address = HubConnectionCounter.AddressKey(http.HttpContext?.Connection.RemoteIpAddress);
        var user = (await authentication.GetAuthenticationStateAsync()).User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (!counter.TryOpen(user is { Length: > 0 } ? user : null, address, out var refusal))
        {
            throw new CircuitRefusedException(refusal!);
        }

        _counted = (user is { Length: > 0 } ? user : null, address);
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (_counted is { } counted)
        {
            _counted = null;
            counter.Close(counted.User, counted.Address);
        }

        return Task.CompletedTask;
    }
}

/// <summary>A circuit over a cap; Blazor ends it and logs this (the browser gets no details).</summary>
public sealed class CircuitRefusedException(string message) : Exception(message);

/// <summary>
/// Refuses a new circuit over a cap before it opens: Blazor's negotiate request gets 429 with problem details, which
/// <c>app.js</c> shows on the page instead of leaving it blank. Runs after authentication.
/// </summary>
public sealed class CircuitCapCheck(RequestDelegate next, CircuitCounter counter, IProblemDetailsService problems)
{
    public static readonly PathString Negotiate = "/_blazor/negotiate";

    /// <remarks>Not async on the way through, like the other guards in front of long-lived connections.</remarks>
    public Task InvokeAsync(HttpContext context) =>
        !context.Request.Path.Equals(Negotiate, StringComparison.OrdinalIgnoreCase)
        || counter.Refusal(
            context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { Length: > 0 } user ? user : null,
            HubConnectionCounter.AddressKey(context.Connection.RemoteIpAddress)) is not { } refusal
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
}
