using System.Net;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;
using SupportCommunity.Web.Tests.Integration;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>Two nodes on one database and one Redis: hub clients on different nodes talk to each other.</summary>
[Collection(ScaleOutTests.Name)]
public sealed class CrossNodeMessagingTests(SharedRedis redis) : IAsyncLifetime
{
    private Cluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await Cluster.StartAsync(redis.Endpoint);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SendMessage_ClientsOnNodesAAndB_EachReceivesTheOthersMessageOnceWithConsecutiveSequences()
    {
        await using var onA = await _cluster.A.ConnectAsync(Customer);
        await using var onB = await _cluster.B.ConnectAsync(Manager);
        var last = (await onA.JoinRoomAsync(General)).Room.LastSequence;
        Assert.Equal(last, (await onB.JoinRoomAsync(General)).Room.LastSequence);

        var fromA = await onA.SendAsync(General, "Sync is paused again on my laptop.");
        var atB = (await onB.Events.MessageReceived.UntilAsync(m => m.Id == fromA.Id)).ToList();
        Assert.Equal(fromA, atB[^1]);
        var fromB = await onB.SendAsync(General, "Thanks Jordan, looking into it from here.");
        var atA = (await onA.Events.MessageReceived.UntilAsync(m => m.Id == fromB.Id)).ToList();
        Assert.Equal(fromB, atA[^1]);

        Assert.Equal(last + 1, fromA.Sequence);
        Assert.Equal(last + 2, fromB.Sequence);
        Assert.Equal("Jordan Lee", fromA.AuthorName);
        Assert.Equal("Maya Chen", fromB.AuthorName);

        // Barriers through both nodes: once a client has both, everything sent before them has reached it.
        var barrierA = await onA.SendAsync(General, "barrier through A");
        var barrierB = await onB.SendAsync(General, "barrier through B");
        foreach (var (client, before) in new[] { (onA, atA), (onB, atB) })
        {
            var received = before.Concat(await ReceiveUntilBothAsync(client, barrierA, barrierB));
            Assert.Equal(
                [fromA.Id, fromB.Id, barrierA.Id, barrierB.Id],
                received.Select(m => m.Id).Order());
        }
    }

    [Fact]
    public async Task SendMessage_BurstFromClientsOnBothNodes_EveryClientGetsEachMessageExactlyOnce()
    {
        string[] accounts = [Customer, Customer2, Member, Agent];
        var clients = new List<HubSession>();
        try
        {
            var last = 0L;
            for (var i = 0; i < accounts.Length; i++)
            {
                var node = i % 2 == 0 ? _cluster.A : _cluster.B;
                var client = await node.ConnectAsync(accounts[i]);
                clients.Add(client);
                last = (await client.JoinRoomAsync(Feedback)).Room.LastSequence;
            }

            // Five messages from each client, all at once, so that nodes A and B commit and publish interleaved.
            var sent = await Task.WhenAll(clients.SelectMany(c => Enumerable.Range(1, 5).Select(n => c.SendAsync(Feedback, $"burst {n}"))));
            Assert.Equal(Enumerable.Range(1, sent.Length).Select(n => last + n), sent.Select(m => m.Sequence).Order());

            var barrierA = await clients[0].SendAsync(Feedback, "barrier through A");
            var barrierB = await clients[1].SendAsync(Feedback, "barrier through B");
            var expected = sent.Append(barrierA).Append(barrierB).Select(m => m.Id).Order().ToList();
            foreach (var client in clients)
            {
                var received = await ReceiveUntilBothAsync(client, barrierA, barrierB);
                // Each message exactly once: no node relays what the backplane already carried.
                Assert.Equal(expected, received.Select(m => m.Id).Order());
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task BearerToken_IssuedByNodeA_IsAcceptedByNodeBForRestAndHub()
    {
        // The key ring lives in the shared database, so a client sent to another node stays signed in.
        var token = await _cluster.A.LoginAsync(Member);

        using var api = _cluster.B.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var response = await api.GetAsync(new Uri("/api/rooms", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await using var connection = _cluster.B.BuildHubConnection(token, HttpTransportType.WebSockets);
        await connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout);
        var joined = await connection.InvokeAsync<Realtime.JoinRoomResult>("JoinRoom", General, 0L)
            .WaitAsync(CommunityAppFactory.Timeout);
        Assert.Equal(General, joined.Room.Slug);
    }

    private static async Task<List<MessageDto>> ReceiveUntilBothAsync(HubSession client, MessageDto first, MessageDto second)
    {
        var received = new List<MessageDto>();
        while (!received.Any(m => m.Id == first.Id) || !received.Any(m => m.Id == second.Id))
        {
            received.Add(await client.Events.MessageReceived.NextAsync());
        }

        return received;
    }
}
