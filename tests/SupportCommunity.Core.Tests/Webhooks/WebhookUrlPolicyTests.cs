using System.Net;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Core.Tests.Webhooks;

public sealed class WebhookUrlPolicyTests
{
    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2002:0808:0808::1")]
    [InlineData("64:ff9b::808:808")]
    public void IsPublic_PublicAddresses_True(string address) => Assert.True(WebhookUrlPolicy.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("10.1.2.3")]
    [InlineData("100.64.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.0.0.8")]
    [InlineData("192.0.2.1")]
    [InlineData("192.168.0.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.51.100.1")]
    [InlineData("203.0.113.1")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fec0::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::10.0.0.1")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("2002:0a00:0001::1")]
    [InlineData("2001:db8::1")]
    public void IsPublic_InternalAndReservedAddresses_False(string address) => Assert.False(WebhookUrlPolicy.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("https://hooks.example.com/services/T000/B000/XXXX", "https://hooks.example.com/…")]
    [InlineData("https://example.com:8443/", "https://example.com:8443/")]
    [InlineData("https://example.com?token=1", "https://example.com/…")]
    public void Redact_DropsPathAndQuery(string url, string expected) => Assert.Equal(expected, WebhookUrlPolicy.Redact(url));

    [Fact]
    public void Verify_RefusesMissingOrMalformedSignatures()
    {
        var secret = WebhookSignature.NewSecret();
        var body = "{\"id\":1}"u8.ToArray();
        var now = DateTimeOffset.UtcNow;
        var header = WebhookSignature.Sign(secret, now.ToUnixTimeSeconds(), body);

        Assert.True(WebhookSignature.Verify(secret, header, body, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(secret, null, body, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(secret, header.Split(',')[1], body, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(secret, header.Split(',')[0], body, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(secret, header[..^1] + "x", body, now, TimeSpan.FromMinutes(5)));
        // A second v1 (as during a future key rollover) is fine as long as one matches.
        Assert.True(WebhookSignature.Verify(secret, header + ",v1=" + new string('0', 64), body, now, TimeSpan.FromMinutes(5)));
    }
}
