using Microsoft.Extensions.Options;
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
        }));

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
        }));
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
}
