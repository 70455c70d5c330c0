using SupportCommunity.CannedResponses;

namespace SupportCommunity.Core.Tests.CannedResponses;

/// <summary>Placeholder expansion: a pure function of the text and what the composer knows.</summary>
public sealed class CannedPlaceholdersTests
{
    private static readonly CannedContext Everything = new(CustomerName: "Jordan Lee", RoomName: "Billing", TicketNumber: 123, AgentName: "Maya Chen");

    [Fact]
    public void Expand_EveryPlaceholderKnown_FillsThemAllAndLeavesNothingUnresolved()
    {
        var result = CannedPlaceholders.Expand(
            "Hi {customer.name}, {agent.name} here in #{room.name}: ticket #{ticket.number} is yours, {customer.name}.", Everything);

        Assert.Equal("Hi Jordan Lee, Maya Chen here in #Billing: ticket #123 is yours, Jordan Lee.", result.Text);
        Assert.Empty(result.Unresolved);
    }

    [Fact]
    public void Expand_TicketNumberInARoom_StaysAsTypedAndIsReported()
    {
        var inRoom = new CannedContext(RoomName: "General", AgentName: "Maya Chen");

        var result = CannedPlaceholders.Expand("Ticket #{ticket.number} for {customer.name} in #{room.name}; again {ticket.number}", inRoom);

        Assert.Equal("Ticket #{ticket.number} for {customer.name} in #General; again {ticket.number}", result.Text);
        Assert.Equal([CannedPlaceholders.TicketNumber, CannedPlaceholders.CustomerName], result.Unresolved);
    }

    [Theory]
    [InlineData("Use {braces} like this: {\"a\": 1}")]
    [InlineData("{customer}")]
    [InlineData("{customer.email} and {user.name}")]
    [InlineData("{ customer.name")]
    [InlineData("customer.name}")]
    [InlineData("{}{{}}")]
    [InlineData("")]
    public void Expand_BracesThatAreNotPlaceholders_AreLeftAlone(string text)
    {
        var result = CannedPlaceholders.Expand(text, Everything);

        Assert.Equal(text, result.Text);
        Assert.Empty(result.Unresolved);
    }

    [Fact]
    public void Expand_CaseAndSpacesInsideTheBraces_StillMatch()
    {
        var result = CannedPlaceholders.Expand("Hi {Customer.Name} and { AGENT.name }", Everything);

        Assert.Equal("Hi Jordan Lee and Maya Chen", result.Text);
    }

    [Fact]
    public void Expand_DoubledBraces_FillTheInnerPlaceholderOnly()
    {
        Assert.Equal("{Jordan Lee}", CannedPlaceholders.Expand("{{customer.name}}", Everything).Text);
    }

    [Fact]
    public void Expand_ValueThatLooksLikeAPlaceholder_IsInsertedAsIsNotExpandedAgain()
    {
        var sly = new CannedContext(CustomerName: "{agent.name}", AgentName: "Maya Chen");

        var result = CannedPlaceholders.Expand("Hi {customer.name}, I'm {agent.name}", sly);

        Assert.Equal("Hi {agent.name}, I'm Maya Chen", result.Text);
        Assert.Empty(result.Unresolved);
    }

    [Fact]
    public void Expand_BlankValue_CountsAsUnknown()
    {
        var result = CannedPlaceholders.Expand("Hi {customer.name}", new CannedContext(CustomerName: "  "));

        Assert.Equal("Hi {customer.name}", result.Text);
        Assert.Equal([CannedPlaceholders.CustomerName], result.Unresolved);
    }

    [Fact]
    public void Used_ListsEachPlaceholderOnceInOrder()
    {
        Assert.Equal(
            [CannedPlaceholders.RoomName, CannedPlaceholders.AgentName],
            CannedPlaceholders.Used("#{room.name} {agent.name} {ROOM.NAME} {other}"));
    }
}
