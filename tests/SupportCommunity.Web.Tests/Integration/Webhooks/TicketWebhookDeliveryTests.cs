using System.Net;
using System.Net.Http.Json;
using System.Text;
using SupportCommunity.Tickets;
using SupportCommunity.Web.Tests.Integration.Tickets;
using SupportCommunity.Web.Tests.ScaleOut;
using SupportCommunity.Webhooks;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Webhooks;

/// <summary>
/// Issue 7's acceptance for webhooks, through independent clients only: an admin subscribes a real receiver over REST,
/// a ticket lives its life over REST (escalated, answered, noted, solved), and the receiver, down at first, still gets
/// each event once, signed, without the internal note's text.
/// </summary>
public sealed class TicketWebhookDeliveryTests(WebhookRetryAppFactory app) : IClassFixture<WebhookRetryAppFactory>
{
    /// <summary>The receiver answers 500 this many times before it is healthy: a whole first call with its in-call retries, and more.</summary>
    private const int FailuresAtFirst = 5;

    [Fact]
    public async Task TicketLife_ReachesAReceiverThatFailsAtFirst_EachEventOnce_Signed_WithoutTheInternalNote()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, index, _) => Task.FromResult(index < FailuresAtFirst ? 500 : 200);
        using var admin = await app.CreateApiClientAsync(Admin);
        using var subscribed = await admin.PostAsJsonAsync("/api/webhooks", new { url = receiver.Url, events = WebhookEventTypes.All });
        Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        var endpoint = await TicketsApp.ReadAsync<WebhookEndpointSecret>(subscribed);

        using var customer = await app.CreateApiClientAsync(Customer);
        using var manager = await app.CreateApiClientAsync(Manager);
        using var agent = await app.CreateApiClientAsync(Agent);
        var question = await customer.SendAsync(General, "My invoice shows the annual plan twice.");
        using var escalated = await manager.PostAsJsonAsync("/api/tickets", new EscalateRequest(General, question.Sequence, "Charged twice for the annual plan"));
        Assert.Equal(HttpStatusCode.Created, escalated.StatusCode);
        var ticket = await TicketsApp.ReadAsync<TicketDto>(escalated);
        var note = $"Internal: refund approved by finance {Guid.NewGuid():N}";
        foreach (var reply in new object[] { new { body = "We refunded the second charge." }, new { body = note, @internal = true } })
        {
            using var replied = await agent.PostAsJsonAsync(TicketsApp.Path(ticket.Number, "/replies"), reply);
            Assert.Equal(HttpStatusCode.Created, replied.StatusCode);
        }

        using var current = await agent.GetAsync(TicketsApp.Path(ticket.Number));
        var version = (await TicketsApp.ReadAsync<TicketDto>(current)).Summary.Version;
        using var solved = await agent.PatchAsJsonAsync(TicketsApp.Path(ticket.Number), new { expectedVersion = version, status = "Solved" });
        Assert.Equal(HttpStatusCode.OK, solved.StatusCode);

        // Four events: created; updated by the reply; updated by the note; solved. Wait until the log has them all delivered.
        string[] expected = [WebhookEventTypes.TicketCreated, WebhookEventTypes.TicketUpdated, WebhookEventTypes.TicketUpdated, WebhookEventTypes.TicketSolved];
        WebhookDeliveryPage? log = null;
        await Eventually.HoldsAsync(
            async () => (log = await admin.GetFromJsonAsync<WebhookDeliveryPage>($"/api/webhooks/deliveries?endpointId={endpoint.Endpoint.Id}"))!
                .Items.Count(d => d.Status == "delivered") == expected.Length,
            TimeSpan.FromSeconds(30),
            "the delivery log shows the ticket's four events delivered");

        var received = receiver.Received;
        var answered = received.Where(r => r.Status == 200).ToList();
        Assert.Equal(FailuresAtFirst, received.Count(r => r.Status == 500));
        Assert.Equal(expected.Length, answered.Count);
        Assert.Equal(expected.Length, answered.Select(r => r.DeliveryId).Distinct().Count());
        Assert.Equal(expected.Order(), answered.Select(r => r.EventType!).Order());
        Assert.Equal(log!.Items.Select(d => d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), answered.Select(r => r.DeliveryId!).Order());
        Assert.Contains(log.Items, d => d.Attempts > 1);
        Assert.All(received, r => Assert.True(
            WebhookSignature.Verify(endpoint.Secret, r.Signature, r.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)), "every request is signed"));
        Assert.All(received, r => Assert.DoesNotContain(note, Encoding.UTF8.GetString(r.Body), StringComparison.Ordinal));
        Assert.All(answered, r => Assert.Contains($"\"number\":{ticket.Number}", Encoding.UTF8.GetString(r.Body), StringComparison.Ordinal));
    }
}
