using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Messaging;

public sealed class LiveMessagingTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task SendMessage_TwoClientsInRoom_EachReceivesTheOthersMessageWithConsecutiveSequences()
    {
        await using var customer = await app.ConnectAsync(Customer);
        await using var manager = await app.ConnectAsync(Manager);
        await customer.JoinRoomAsync(General);
        var joined = await manager.JoinRoomAsync(General);
        var last = joined.Room.LastSequence;

        var question = await customer.SendAsync(General, "Is 4.2.1 out yet?");
        var atManager = await manager.Events.MessageReceived.NextAsync();
        var answer = await manager.SendAsync(General, "Yes, it shipped an hour ago.");
        var atCustomer = await customer.Events.MessageReceived.NextMatchingAsync(m => m.Id != question.Id);

        Assert.Equal(question, atManager);
        Assert.Equal("Is 4.2.1 out yet?", atManager.Body);
        Assert.Equal("Jordan Lee", atManager.AuthorName);
        Assert.Equal("Customer", atManager.AuthorRole);
        Assert.Equal(General, atManager.RoomSlug);

        Assert.Equal(answer, atCustomer);
        Assert.Equal("Yes, it shipped an hour ago.", atCustomer.Body);
        Assert.Equal("Maya Chen", atCustomer.AuthorName);
        Assert.Equal("CommunityManager", atCustomer.AuthorRole);

        Assert.Equal(last + 1, question.Sequence);
        Assert.Equal(last + 2, answer.Sequence);
        // The manager saw the room's messages one by one, in order, with no gap: its own echo came right after.
        Assert.Equal(answer, await manager.Events.MessageReceived.NextAsync());
    }

    [Fact]
    public async Task SendMessage_ConcurrentSendsFromTwoClients_SequencesAreGapFreeAndEveryoneGetsEveryMessage()
    {
        await using var a = await app.ConnectAsync(Customer2);
        await using var b = await app.ConnectAsync(Member);
        var last = (await a.JoinRoomAsync(Feedback)).Room.LastSequence;
        await b.JoinRoomAsync(Feedback);

        // Both send at once, so the server numbers concurrent sends.
        var sends = Enumerable.Range(0, 10)
            .Select(i => (i % 2 == 0 ? a : b).SendAsync(Feedback, $"idea {i}"))
            .ToList();
        var sent = await Task.WhenAll(sends);

        Assert.Equal(
            Enumerable.Range(1, 10).Select(i => last + i),
            sent.Select(m => m.Sequence).Order());
        foreach (var client in new[] { a, b })
        {
            // Fan-out order is only a hint (design.md §3): clients order by sequence, so compare as sets.
            var seen = new List<long>();
            for (var i = 0; i < sent.Length; i++)
            {
                seen.Add((await client.Events.MessageReceived.NextAsync()).Sequence);
            }

            Assert.Equal(Enumerable.Range(1, 10).Select(i => last + i), seen.Order());
        }
    }
}
