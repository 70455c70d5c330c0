using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Tests.Integration;
using SupportCommunity.Web.Tests.Integration.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>Sanctions and grants made on one node apply to live connections on the other within 5 s.</summary>
[Collection(ScaleOutTests.Name)]
public sealed class CrossNodeModerationTests(SharedRedis redis) : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(5);
    private Cluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await Cluster.StartAsync(redis.Endpoint);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task TimeoutOnNodeA_TrollOnNodeB_RefusedWithin5Seconds()
    {
        var (trollId, trollEmail) = await Members.RegisterAsync(_cluster.A, "CrossTroll");
        await using var troll = await _cluster.B.ConnectAsync(trollEmail);
        await using var manager = await _cluster.A.ConnectAsync(Manager);
        await troll.SendAsync(General, "node B has my rights cached now");
        var sanctioned = new TaskCompletionSource<SanctionDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        troll.Connection.On<SanctionDto>("Sanctioned", s => sanctioned.TrySetResult(s));

        var clock = Stopwatch.StartNew();
        await manager.Connection.InvokeAsync<SanctionDto>("TimeoutUser", trollId, 5, "Cross-node spam", General).WaitAsync(CommunityAppFactory.Timeout);
        await sanctioned.Task.WaitAsync(Within);
        await HubAssert.RefusedAsync(() => troll.SendAsync(General, "still talking on B"), "You are timed out for ");
        Assert.True(clock.Elapsed < Within, $"Took {clock.Elapsed}.");
    }

    [Fact]
    public async Task GrantOnNodeA_ModeratorOnNodeB_CanDeleteWithin5Seconds()
    {
        var (userId, email) = await Members.RegisterAsync(_cluster.A, "CrossVolunteer");
        await using var volunteer = await _cluster.B.ConnectAsync(email);
        await using var admin = await _cluster.A.ConnectAsync(Admin);
        var spam = await volunteer.SendAsync(General, "warming node B's cache");
        await using var author = await _cluster.A.ConnectAsync(Customer);
        var target = await author.SendAsync(General, "cross-node spam");
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        volunteer.Connection.On("RightsChanged", () => changed.TrySetResult());
        Assert.NotNull(spam);

        var clock = Stopwatch.StartNew();
        await admin.Connection.InvokeAsync<MemberRightsDto>("GrantRole", userId, CommunityRoles.VolunteerModerator, new[] { General }, "Cross-node grant")
            .WaitAsync(CommunityAppFactory.Timeout);
        await changed.Task.WaitAsync(Within);
        var deleted = await volunteer.Connection.InvokeAsync<MessageDto>("ModerateDeleteMessage", target.Id, "Spam").WaitAsync(CommunityAppFactory.Timeout);
        Assert.True(deleted.RemovedByModerator);
        Assert.True(clock.Elapsed < Within, $"Took {clock.Elapsed}.");
    }

    [Fact]
    public async Task LockOnNodeA_MemberOnNodeB_RefusedWithin5SecondsAndUnlockReopens()
    {
        var (_, email) = await Members.RegisterAsync(_cluster.A, "CrossLocked");
        await using var member = await _cluster.B.ConnectAsync(email);
        await using var manager = await _cluster.A.ConnectAsync(Manager);
        // Node B now remembers #general's controls (unlocked).
        await member.SendAsync(General, "node B has the room's controls cached now");

        try
        {
            await manager.Connection.InvokeAsync<RoomControlsDto>("LockRoom", General, "Cross-node lock").WaitAsync(CommunityAppFactory.Timeout);
            var took = await Eventually.HoldsAsync(
                async () => await RefusedAsync(() => member.SendAsync(General, "still posting on B " + Guid.NewGuid())), Within, "the lock refuses sends on node B");
            await HubAssert.RefusedAsync(() => member.SendAsync(General, "after the lock"), "#general is locked: only staff can post. Cross-node lock");
            Assert.True(took < Within, $"Took {took}.");
        }
        finally
        {
            await manager.Connection.InvokeAsync<RoomControlsDto>("UnlockRoom", General).WaitAsync(CommunityAppFactory.Timeout);
        }

        await Eventually.HoldsAsync(
            async () => !await RefusedAsync(() => member.SendAsync(General, "open again " + Guid.NewGuid())), Within, "the unlock reopens node B");
    }

    private static async Task<bool> RefusedAsync(Func<Task> send)
    {
        try
        {
            await send();
            return false;
        }
        catch (HubException)
        {
            return true;
        }
    }
}
