using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SupportCommunity.Identity;
using SupportCommunity.Messages;

namespace SupportCommunity.Core.Tests.Messages;

public sealed class FloodGuardTests
{
    private static FloodGuard Guard(int messages = 5, int trusted = 10) =>
        new(Options.Create(new CommunityLimits
        {
            FloodMessages = messages,
            TrustedFloodMessages = trusted,
            FloodWindow = TimeSpan.FromMinutes(10), // long enough that no permit returns during the test
        }), TimeProvider.System);

    private static Actor User(params string[] roles) => new(Guid.NewGuid().ToString(), "user", roles.ToHashSet());

    [Fact]
    public void Charge_Customer_IsRefusedAfterTheLimitWithRetryAfter()
    {
        using var guard = Guard();
        var customer = User(CommunityRoles.Customer);
        for (var i = 0; i < 5; i++)
        {
            guard.Charge(customer, roomId: 1);
        }

        var refusal = Assert.Throws<CommunityException>(() => guard.Charge(customer, roomId: 1));
        Assert.Equal(CommunityError.TooManyRequests, refusal.Error);
        Assert.NotNull(refusal.RetryAfter);
        Assert.Contains("too fast", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusalIfOverLimit_CountsNothingAndRefusesOnlyOnceTheLimitIsReached()
    {
        using var guard = Guard();
        var customer = User(CommunityRoles.Customer);
        for (var i = 0; i < 4; i++)
        {
            guard.Charge(customer, roomId: 1);
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.Null(guard.RefusalIfOverLimit(customer, roomId: 1));
        }

        guard.Charge(customer, roomId: 1);
        var refusal = guard.RefusalIfOverLimit(customer, roomId: 1);
        Assert.Equal(CommunityError.TooManyRequests, refusal?.Error);
        Assert.NotNull(refusal?.RetryAfter);
        Assert.Null(guard.RefusalIfOverLimit(customer, roomId: 2));
        Assert.Null(guard.RefusalIfOverLimit(User(CommunityRoles.CommunityManager), roomId: 1));
    }

    [Fact]
    public void Charge_IsCountedPerRoomAndPerUser()
    {
        using var guard = Guard(messages: 1);
        var customer = User(CommunityRoles.Customer);
        guard.Charge(customer, roomId: 1);
        guard.Charge(customer, roomId: 2);
        guard.Charge(User(CommunityRoles.Customer), roomId: 1);
        Assert.Throws<CommunityException>(() => guard.Charge(customer, roomId: 1));
    }

    [Fact]
    public void Charge_TrustedMember_GetsTheRelaxedLimit()
    {
        using var guard = Guard(messages: 2, trusted: 4);
        var trusted = User(CommunityRoles.TrustedMember);
        for (var i = 0; i < 4; i++)
        {
            guard.Charge(trusted, roomId: 1);
        }

        Assert.Throws<CommunityException>(() => guard.Charge(trusted, roomId: 1));
    }

    [Theory]
    [InlineData(CommunityRoles.CommunityManager)]
    [InlineData(CommunityRoles.SupportAgent)]
    [InlineData(CommunityRoles.Admin)]
    public void Charge_Staff_IsExempt(string role)
    {
        using var guard = Guard(messages: 1);
        var staff = User(role);
        var refusal = Record.Exception(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                guard.Charge(staff, roomId: 1);
            }
        });
        Assert.Null(refusal);
    }

    [Fact]
    public async Task ChargeReaction_IsPerUserInAllRooms_StaffIncluded_AndApartFromSends()
    {
        using var guard = new FloodGuard(Options.Create(new CommunityLimits
        {
            FloodMessages = 1,
            ReactionToggles = 3,
            ReactionWindow = TimeSpan.FromMinutes(10),
        }), TimeProvider.System);
        var manager = User(CommunityRoles.CommunityManager);
        var customer = User(CommunityRoles.Customer);
        guard.Charge(customer, roomId: 1);
        for (var i = 0; i < 3; i++)
        {
            await guard.ChargeReactionAsync(manager);
            await guard.ChargeReactionAsync(customer);
        }

        var staff = await Assert.ThrowsAsync<CommunityException>(() => guard.ChargeReactionAsync(manager).AsTask());
        var member = await Assert.ThrowsAsync<CommunityException>(() => guard.ChargeReactionAsync(customer).AsTask());

        Assert.Equal(CommunityError.TooManyRequests, staff.Error);
        Assert.Equal(CommunityError.TooManyRequests, member.Error);
        Assert.Contains("reacting too fast", member.Message, StringComparison.Ordinal);
        Assert.NotNull(member.RetryAfter);
        // Sends have their own window: the customer's one send was counted there, reactions did not add to it.
        Assert.Null(guard.RefusalIfOverLimit(customer, roomId: 2));
        await guard.ChargeReactionAsync(User(CommunityRoles.Customer));
    }

    /// <summary>True when the pacing let the send through without waiting.</summary>
    private static bool AtOnce(ValueTask pace) => pace.IsCompletedSuccessfully;

    private static bool AtOnce(ValueTask<bool> turn) => turn.IsCompletedSuccessfully && turn.Result;

    [Fact]
    public async Task Pace_SendsRightBehindEachOther_EachWaitsItsTurnASpacingApart_OthersDoNot()
    {
        var clock = new FakeTimeProvider();
        using var guard = new FloodGuard(Options.Create(new CommunityLimits { FloodSpacing = TimeSpan.FromMilliseconds(250) }), clock);
        var customer = User(CommunityRoles.Customer);
        var manager = User(CommunityRoles.CommunityManager);

        Assert.True(AtOnce(guard.PaceAsync(customer, roomId: 1)), "The first send of a member in a room does not wait.");
        var second = guard.PaceAsync(customer, roomId: 1).AsTask();
        var third = guard.PaceAsync(customer, roomId: 1).AsTask();
        // Not paced: another room, another member, staff.
        Assert.True(AtOnce(guard.PaceAsync(customer, roomId: 2)));
        Assert.True(AtOnce(guard.PaceAsync(User(CommunityRoles.Customer), roomId: 1)));
        Assert.True(AtOnce(guard.PaceAsync(manager, roomId: 1)));
        Assert.True(AtOnce(guard.PaceAsync(manager, roomId: 1)));

        clock.Advance(TimeSpan.FromMilliseconds(249));
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(third.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(250));
        await third.WaitAsync(TimeSpan.FromSeconds(10));

        // A send a while after the last one does not wait.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(AtOnce(guard.PaceAsync(customer, roomId: 1)));
    }

    [Fact]
    public async Task Pace_TooManyWaitingAtOnce_RefusedAsTooFast_AndZeroSpacingTurnsItOff()
    {
        var clock = new FakeTimeProvider();
        using var guard = new FloodGuard(Options.Create(new CommunityLimits { FloodSpacing = TimeSpan.FromSeconds(1) }), clock);
        var customer = User(CommunityRoles.Customer);
        var waiting = Enumerable.Range(0, FloodGuard.MaxPacedSends + 1).Select(_ => guard.PaceAsync(customer, roomId: 1).AsTask()).ToList();

        var refusal = await Assert.ThrowsAsync<CommunityException>(() => guard.PaceAsync(customer, roomId: 1).AsTask());
        Assert.Equal(CommunityError.TooManyRequests, refusal.Error);
        Assert.Equal(FloodGuard.MaxPacedSends, waiting.Count(t => !t.IsCompleted));
        clock.Advance(TimeSpan.FromSeconds(FloodGuard.MaxPacedSends));
        await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10));

        using var unpaced = new FloodGuard(Options.Create(new CommunityLimits { FloodSpacing = TimeSpan.Zero }), clock);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(AtOnce(unpaced.PaceAsync(customer, roomId: 1)));
        }
    }

    [Fact]
    public async Task Pacer_ManyMembersLongPast_AreForgotten_AndTheOneRightBehindStillWaits()
    {
        var clock = new FakeTimeProvider();
        var pacer = new SendPacer(TimeSpan.FromMilliseconds(250), clock);
        var keys = Enumerable.Range(0, 3000).Select(i => new FloodKey("user-" + i, RoomId: 1, Trusted: false)).ToList();
        foreach (var key in keys)
        {
            Assert.True(AtOnce(pacer.WaitTurnAsync(key, default)));
        }

        Assert.Equal(3000, pacer.Remembered);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(AtOnce(pacer.WaitTurnAsync(keys[0], default)));
        Assert.Equal(1, pacer.Remembered); // every turn long past is dropped; the one just booked is kept
        var behind = pacer.WaitTurnAsync(keys[0], default).AsTask();
        Assert.True(AtOnce(pacer.WaitTurnAsync(keys[1], default)));
        Assert.False(behind.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.True(await behind.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
