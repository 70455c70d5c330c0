using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Messaging;

/// <summary>The app with the flood limit of design.md §5: 5 messages per 5 s per user and room.</summary>
public class FloodLimitedAppFactory : CommunityAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        settings["Limits:FloodMessages"] = "5";
        settings["Limits:TrustedFloodMessages"] = "10";
        settings["Limits:FloodWindow"] = "00:00:05";
        settings["Limits:FloodSpacing"] = "00:00:00.250";
    }
}

public sealed class FloodLimitTests(FloodLimitedAppFactory app) : IClassFixture<FloodLimitedAppFactory>
{
    [Fact]
    public async Task PostMessage_SixthWithinWindowAsCustomer_Returns429WithRetryAfterAndStoresNothing()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        var before = await api.GetLastSequenceAsync(General);
        var stored = new List<MessageDto>();
        for (var i = 1; i <= 5; i++)
        {
            stored.Add(await api.SendAsync(General, $"ping {i}"));
        }

        using var sixth = await api.PostMessageAsync(General, "ping 6");

        var problem = await sixth.ReadProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("too fast", problem.Detail, StringComparison.Ordinal);
        var retryAfter = sixth.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.Equal(before + 5, await api.GetLastSequenceAsync(General));

        // A retry of a message that was stored is no new message: the limit does not refuse it.
        using var retry = await api.PostMessageAsync(General, "ping 5", stored[^1].ClientMessageId);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(stored[^1], await retry.Content.ReadFromJsonAsync<MessageDto>());
        Assert.Equal(before + 5, await api.GetLastSequenceAsync(General));
    }

    [Fact]
    public async Task SendMessage_SixthWithinWindowAsCustomer_IsRefusedAsTooFast()
    {
        using var api = await app.CreateApiClientAsync(Customer2);
        await using var hub = await app.ConnectAsync(Customer2);
        var before = await api.GetLastSequenceAsync(Billing);
        MessageDto? last = null;
        for (var i = 1; i <= 5; i++)
        {
            last = await hub.SendAsync(Billing, $"hello {i}");
        }

        await HubAssert.RefusedAsync(() => hub.SendAsync(Billing, "hello 6"), "too fast");

        Assert.Equal(before + 5, await api.GetLastSequenceAsync(Billing));
        Assert.Equal(last, await hub.SendAsync(Billing, "hello 5", last!.ClientMessageId));
    }

    [Fact]
    public async Task SendMessage_FromThreeTabsAtOnce_AllStored_PacedASpacingApart()
    {
        using var api = await app.CreateApiClientAsync(Member);
        var tabs = new List<HubSession>();
        for (var i = 0; i < 3; i++)
        {
            tabs.Add(await app.ConnectAsync(Member));
        }

        try
        {
            var before = await api.GetLastSequenceAsync(General);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var sent = await Task.WhenAll(tabs.Select((tab, i) => tab.SendAsync(General, $"all at once {i}")));

            // None refused; the turns were booked no sooner than the sends began, 250 ms apart, so the last one
            // cannot have been stored before two spacings had passed. Less a few milliseconds: a timer counts whole
            // milliseconds and can fire up to one early by this stopwatch (a clean-clone run stored the last between
            // 499.5 and 500 ms). Without the pacing all three take about 180 ms.
            Assert.True(
                clock.Elapsed >= TimeSpan.FromMilliseconds(500 - 10),
                $"All three stored {clock.Elapsed.TotalMilliseconds:0.0} ms after they were sent.");
            Assert.Equal(Enumerable.Range(1, 3).Select(n => before + n), sent.Select(m => m.Sequence).Order());
        }
        finally
        {
            foreach (var tab in tabs)
            {
                await tab.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task SendMessage_ManyWithinWindowAsCommunityManager_AreAllStored()
    {
        using var api = await app.CreateApiClientAsync(Manager);
        await using var hub = await app.ConnectAsync(Manager);
        var before = await api.GetLastSequenceAsync(Feedback);

        for (var i = 1; i <= 12; i++)
        {
            await hub.SendAsync(Feedback, $"release note {i}");
        }

        Assert.Equal(before + 12, await api.GetLastSequenceAsync(Feedback));
    }
}

/// <summary>The flood limit with a long window and a long hold on "too fast" answers, so a held answer stays held.</summary>
public sealed class HeldRefusalAppFactory : FloodLimitedAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Limits:FloodWindow"] = "00:01:00";
        settings["Limits:ThrottledAnswerPause"] = "00:01:00";
    }
}

/// <summary>A flooder over the hub waits for its refusal; the room does not.</summary>
public sealed class HeldRefusalTests(HeldRefusalAppFactory app) : IClassFixture<HeldRefusalAppFactory>
{
    [Fact]
    public async Task FloodersRefusal_IsHeld_WhileOtherMembersSendAtOnce()
    {
        await using var flooder = await app.ConnectAsync(Customer);
        await using var member = await app.ConnectAsync(Member);
        for (var i = 1; i <= 5; i++)
        {
            await flooder.SendAsync(Feedback, $"spam {i}");
        }

        var held = flooder.Connection.InvokeAsync<MessageDto>("SendMessage", Feedback, Guid.NewGuid(), "spam 6");
        var first = await member.SendAsync(Feedback, "A real question, answered while the flooder waits");
        var second = await member.SendAsync(Feedback, "And another one");

        Assert.Equal(first.Sequence + 1, second.Sequence);
        Assert.False(held.IsCompleted, "the flooder's refusal is held for the pause, not answered at once");
    }
}
