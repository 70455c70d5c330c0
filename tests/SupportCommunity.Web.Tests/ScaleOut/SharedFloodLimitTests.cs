using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;
using SupportCommunity.Web.Tests.Integration;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// The flood limit counted in Redis: a member who floods through node A is throttled on node B too, for sends and for
/// reaction toggles. When Redis is down, each node counts on its own and sends never wait for Redis.
/// </summary>
[Collection(ScaleOutTests.Name)]
public sealed class SharedFloodLimitTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private Cluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _cluster = await Cluster.StartAsync(_redis.Endpoint, configure: settings =>
        {
            settings["Limits:FloodMessages"] = "3";
            settings["Limits:TrustedFloodMessages"] = "3";
            // Long enough that no permit comes back during a test.
            settings["Limits:FloodWindow"] = "00:02:00";
            settings["Limits:ReactionToggles"] = "3";
            settings["Limits:ReactionWindow"] = "00:02:00";
        });
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task PostMessage_FloodThroughNodeA_NextSendThroughNodeBIsThrottledAndStoresNothing()
    {
        using var onA = await _cluster.CreateApiClientAsync(Customer, _cluster.A);
        using var onB = await _cluster.CreateApiClientAsync(Customer, _cluster.B);
        for (var i = 1; i <= 3; i++)
        {
            await onA.SendAsync(General, $"flood {i}");
        }

        var last = await onB.GetLastSequenceAsync(General);
        using var fourth = await onB.PostMessageAsync(General, "flood 4");

        var problem = await fourth.ReadProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("too fast", problem.Detail, StringComparison.Ordinal);
        Assert.InRange(fourth.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        Assert.Equal(last, await onB.GetLastSequenceAsync(General));

        // Others stay free to post, on either node.
        using var other = await _cluster.CreateApiClientAsync(Customer2, _cluster.B);
        await other.SendAsync(General, "not me");
    }

    [Fact]
    public async Task ToggleReaction_TogglesThroughNodeA_NextOnNodeBIsThrottledOverRestAndTheHubAndStoresNothing()
    {
        using var onA = await _cluster.CreateApiClientAsync(Member, _cluster.A);
        using var onB = await _cluster.CreateApiClientAsync(Member, _cluster.B);
        await using var hubOnB = await _cluster.B.ConnectAsync(Member);
        var target = await onA.SendAsync(General, "react to me");
        for (var i = 1; i <= 3; i++)
        {
            using var toggled = await onA.PostAsJsonAsync($"/api/messages/{target.Id}/reactions", new { emoji = "👍" });
            Assert.Equal(HttpStatusCode.OK, toggled.StatusCode);
        }

        var before = Assert.Single((await onB.GetHistoryAsync(General, limit: 1)).Messages);
        using var fourth = await onB.PostAsJsonAsync($"/api/messages/{target.Id}/reactions", new { emoji = "🎉" });
        var overHub = await Assert.ThrowsAsync<HubException>(() =>
            hubOnB.Connection.InvokeAsync<MessageDto>("ToggleReaction", target.Id, "🎉").WaitAsync(CommunityAppFactory.Timeout));

        var problem = await fourth.ReadProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("reacting too fast", problem.Detail, StringComparison.Ordinal);
        Assert.InRange(fourth.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        Assert.Contains("HubException: You're reacting too fast. Try again in ", overHub.Message, StringComparison.Ordinal);
        // Nothing stored: the message is as it was (one thumbs-up, toggled on, off and on by the member).
        Assert.Equal(before, Assert.Single((await onB.GetHistoryAsync(General, limit: 1)).Messages));
        Assert.Equal("👍", Assert.Single(before.Reactions).Emoji);
    }

    [Fact]
    public async Task PostMessage_RedisDown_EachNodeCountsOnItsOwnAndSendsDoNotWait()
    {
        using var onA = await _cluster.CreateApiClientAsync(Customer2, _cluster.A);
        using var onB = await _cluster.CreateApiClientAsync(Customer2, _cluster.B);
        await _redis.StopAsync();

        var watch = Stopwatch.StartNew();
        for (var i = 1; i <= 3; i++)
        {
            await onA.SendAsync(Billing, $"while redis is down {i}");
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"three sends took {watch.Elapsed} with Redis down");
        using var fourth = await onA.PostMessageAsync(Billing, "while redis is down 4");
        await fourth.ReadProblemAsync(HttpStatusCode.TooManyRequests);

        // Node B has not seen those sends: it admits.
        await onB.SendAsync(Billing, "via node B");
    }
}
