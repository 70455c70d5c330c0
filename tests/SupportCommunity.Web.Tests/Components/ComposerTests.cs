using Bunit;
using SupportCommunity.Web.Messages;

namespace SupportCommunity.Web.Tests.Components;

public sealed class ComposerTests : MudTestContext
{
    [Fact]
    public void Send_WithText_HandsTheTextToTheRoom()
    {
        string? sent = null;
        var composer = Render<Composer>(p => p
            .Add(c => c.Text, "")
            .Add(c => c.OnSend, text => sent = text));

        composer.Find("[data-testid=composer-input]").Input("Where is my invoice?");
        composer.Find("[data-testid=composer-send]").Click();

        Assert.Equal("Where is my invoice?", sent);
    }

    [Fact]
    public void Send_Empty_IsDisabled()
    {
        var composer = Render<Composer>(p => p.Add(c => c.Text, "   "));
        Assert.True(composer.Find("[data-testid=composer-send]").HasAttribute("disabled"));
    }

    [Fact]
    public void Typing_TellsTheRoomAndSavesTheDraft()
    {
        var typed = 0;
        string? draft = null;
        var composer = Render<Composer>(p => p
            .Add(c => c.TextChanged, text => { draft = text; return Task.CompletedTask; })
            .Add(c => c.OnTyping, () => { typed++; return Task.CompletedTask; }));

        composer.Find("[data-testid=composer-input]").Input("hel");
        composer.Find("[data-testid=composer-input]").Input("hello");

        Assert.Equal("hello", draft);
        Assert.Equal(2, typed);
    }

    [Fact]
    public void Counter_AppearsNearTheLimit()
    {
        var composer = Render<Composer>(p => p.Add(c => c.MaxLength, 100).Add(c => c.Text, new string('a', 50)));
        Assert.Empty(composer.FindAll("[data-testid=composer-counter]"));

        composer.Find("[data-testid=composer-input]").Input(new string('a', 85));
        Assert.Equal("85 / 100", composer.Find("[data-testid=composer-counter]").TextContent);
    }

    [Fact]
    public void OverTheLimit_ShowsTheErrorAndCannotSend()
    {
        var sent = false;
        var composer = Render<Composer>(p => p
            .Add(c => c.MaxLength, 100)
            .Add(c => c.OnSend, _ => sent = true));

        composer.Find("[data-testid=composer-input]").Input(new string('a', 103));

        Assert.Equal("Too long by 3 characters.", composer.Find("[data-testid=composer-error]").TextContent);
        Assert.True(composer.Find("[data-testid=composer-send]").HasAttribute("disabled"));
        composer.Find("[data-testid=composer-send]").Click();
        Assert.False(sent);
    }
}
