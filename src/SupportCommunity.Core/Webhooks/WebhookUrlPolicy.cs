using SupportCommunity.Messages;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace SupportCommunity.Webhooks;

/// <summary>
/// Where webhooks may go. An admin types a URL and the server calls it, which is a way into the server's own network
/// (SSRF: the cloud metadata service at 169.254.169.254, an internal admin panel on 10.x, Redis on 127.0.0.1). So:
/// <list type="bullet">
/// <item>https only; http only to loopback hosts, or anywhere with <c>Webhooks:AllowHttp</c>;</item>
/// <item>no loopback, private, link-local, shared, multicast or reserved address, unless
///   <c>Webhooks:AllowPrivateAddresses</c> is on (tests, or a receiver on the operator's own network);</item>
/// <item>checked when the URL is saved (literal addresses, <c>localhost</c>, and what the name resolves to now) and
///   again on every connection (<see cref="ConnectAsync"/>), so a name that later resolves to a private address
///   (DNS rebinding) is still refused; redirects are not followed and no proxy is used.</item>
/// </list>
/// </summary>
public sealed class WebhookUrlPolicy(IOptions<WebhookOptions> options)
{
    public const int MaxUrlLength = 2000;

    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The URL as it will be called, or a clear <see cref="CommunityError.Invalid"/> refusal.</summary>
    public async Task<Uri> ValidateAsync(string? url, CancellationToken cancellationToken = default)
    {
        var text = (url ?? "").Trim();
        if (text.Length == 0)
        {
            throw CommunityException.Invalid("Enter the endpoint's URL.");
        }

        if (text.Length > MaxUrlLength)
        {
            throw CommunityException.Invalid($"The URL is longer than {MaxUrlLength} characters.");
        }

        // Control, bidi and zero-width characters have no place in a URL and only hide where it points: the
        // message normaliser would remove them, so any text it changes is refused.
        if (MessageText.NormalizeOptional(text, MaxUrlLength, $"The URL is longer than {MaxUrlLength} characters.") != text)
        {
            throw CommunityException.Invalid("The URL contains spaces, control, bidi or invisible characters.");
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw CommunityException.Invalid("Webhook URLs must be absolute https URLs, such as https://example.com/hooks/support.");
        }

        string host;
        try
        {
            host = uri.IdnHost;
        }
        catch (UriFormatException)
        {
            throw CommunityException.Invalid("The URL's host is not a valid domain name.");
        }

        if (string.IsNullOrEmpty(host))
        {
            throw CommunityException.Invalid("The URL has no host.");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw CommunityException.Invalid("Put no user name or password in the URL: receivers check the signature instead.");
        }

        if (uri.Fragment.Length > 0)
        {
            throw CommunityException.Invalid("The URL may not have a #fragment.");
        }

        var settings = options.Value;
        var loopbackName = IsLoopbackName(uri.IdnHost);
        if (IPAddress.TryParse(uri.IdnHost, out var literal))
        {
            CheckAddress(literal, settings);
            loopbackName = IPAddress.IsLoopback(literal);
        }
        else if (loopbackName)
        {
            CheckAddress(IPAddress.Loopback, settings);
        }
        else
        {
            foreach (var address in await ResolveAsync(uri.IdnHost, cancellationToken))
            {
                CheckAddress(address, settings);
            }
        }

        if (uri.Scheme == "http" && !loopbackName && !settings.AllowHttp)
        {
            throw CommunityException.Invalid("Webhook URLs must use https (plain http is allowed for loopback receivers only).");
        }

        return uri;
    }

    /// <summary>
    /// The webhook client's connect step: resolves the host and connects to the first address allowed, so every
    /// connection is checked, whatever the name resolves to by then.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(a => options.Value.AllowPrivateAddresses || IsPublic(a)).ToList();
        if (allowed.Count == 0)
        {
            throw new WebhookAddressRefusedException();
        }

        SocketException? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    /// <summary>
    /// False for every address a webhook must not reach by default: unspecified, loopback, private (RFC 1918, IPv6
    /// unique-local and site-local), shared (100.64/10), link-local, multicast, documentation, benchmarking and
    /// reserved ranges; IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) by that address.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublic(address.MapToIPv4());
        }

        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return bytes switch
            {
                [0, ..] or [10, ..] or [127, ..] => false,
                [100, var b, ..] when (b & 0xC0) == 64 => false,
                [169, 254, ..] => false,
                [172, var b, ..] when (b & 0xF0) == 16 => false,
                [192, 0, 0, _] or [192, 0, 2, _] or [192, 168, ..] => false,
                [198, 18 or 19, ..] or [198, 51, 100, _] or [203, 0, 113, _] => false,
                [>= 224, ..] => false,
                _ => true,
            };
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal
            || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast)
        {
            return false;
        }

        // ::a.b.c.d (IPv4-compatible) and 64:ff9b::a.b.c.d (NAT64) carry the IPv4 address in the last 4 bytes.
        if (bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0
            || (bytes is [0x00, 0x64, 0xff, 0x9b, ..] && bytes.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0))
        {
            return IsPublic(new IPAddress(bytes.AsSpan(12, 4)));
        }

        // 2002:aabb:ccdd::/48 (6to4) carries a.b.c.d in bytes 2 to 5.
        if (bytes is [0x20, 0x02, ..])
        {
            return IsPublic(new IPAddress(bytes.AsSpan(2, 4)));
        }

        // 2001:db8::/32 is for documentation only.
        return bytes is not [0x20, 0x01, 0x0d, 0xb8, ..];
    }

    /// <summary>The URL without path and query, for the audit log and messages: paths often hold a token (Slack's do).</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? $"{uri.Scheme}://{uri.Authority}{(uri.PathAndQuery is "/" or "" ? "/" : "/…")}"
            : "(invalid URL)";

    private static bool IsLoopbackName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);

    private static void CheckAddress(IPAddress address, WebhookOptions settings)
    {
        if (!settings.AllowPrivateAddresses && !IsPublic(address))
        {
            throw CommunityException.Invalid(
                "The URL points to a loopback, private or link-local address. Webhooks go to public https receivers.");
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
            return addresses.Length > 0 ? addresses : throw CommunityException.Invalid($"The host '{host}' could not be resolved.");
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw CommunityException.Invalid($"The host '{host}' could not be resolved.");
        }
    }
}

/// <summary>Every address of the host is one webhooks may not reach (see <see cref="WebhookUrlPolicy"/>).</summary>
public sealed class WebhookAddressRefusedException() : Exception("The host resolves to an address webhooks may not reach.");
