using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Demo;
using SupportCommunity.Identity;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>
/// The browser's forms (sign-in, sign-up, sign-out) take a POST only with the antiforgery token of the page they
/// were rendered on: a form on another site cannot sign a visitor in, up or out. Each refusal is checked beside the
/// same POST with the token, which succeeds, so the refusal is the token's doing.
/// </summary>
public sealed partial class AntiforgeryTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    private const string AuthCookie = "SupportCommunity.Auth";

    [Fact]
    public async Task SignIn_PostWithoutToken_IsRefusedAndSignsNobodyIn()
    {
        using var browser = NewBrowser();
        var form = await browser.ReadFormAsync("/signin", "signin");
        form.Fields["Input.Email"] = Customer;
        form.Fields["Input.Password"] = DemoCommunity.Password;

        using var forged = await browser.PostAsync("/signin", form.Without(Form.TokenField));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(SetsCookie(forged, AuthCookie), "a POST without the token signed in");

        using var genuine = await browser.PostAsync("/signin", form.Fields);
        Assert.Equal(HttpStatusCode.Redirect, genuine.StatusCode);
        Assert.True(SetsCookie(genuine, AuthCookie), "the same POST with the token did not sign in");
    }

    [Fact]
    public async Task SignIn_PostWithAnotherSessionsToken_IsRefused()
    {
        using var attacker = NewBrowser();
        using var victim = NewBrowser();
        var attackersForm = await attacker.ReadFormAsync("/signin", "demo");
        _ = await victim.ReadFormAsync("/signin", "demo"); // the victim has an antiforgery cookie of their own

        var fields = new Dictionary<string, string>(attackersForm.Fields) { ["DemoEmail"] = Customer };
        using var forged = await victim.PostAsync("/signin", fields);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(SetsCookie(forged, AuthCookie));
    }

    [Fact]
    public async Task SignUp_PostWithoutToken_IsRefusedAndCreatesNoAccount()
    {
        using var browser = NewBrowser();
        var form = await browser.ReadFormAsync("/signup", "signup");
        var email = $"csrf-{Guid.NewGuid():N}@demo.test";
        form.Fields["Input.DisplayName"] = "Forged Account";
        form.Fields["Input.Email"] = email;
        form.Fields["Input.Password"] = DemoCommunity.Password;
        form.Fields["Input.ConfirmPassword"] = DemoCommunity.Password;

        using var forged = await browser.PostAsync("/signup", form.Without(Form.TokenField));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null(await FindUserAsync(email));

        using var genuine = await browser.PostAsync("/signup", form.Fields);
        Assert.Equal(HttpStatusCode.Redirect, genuine.StatusCode);
        Assert.NotNull(await FindUserAsync(email));
    }

    [Fact]
    public async Task SignOut_PostWithoutToken_IsRefusedAndKeepsTheSession()
    {
        using var browser = NewBrowser();
        var signIn = await browser.ReadFormAsync("/signin", "demo");
        using (var signedIn = await browser.PostAsync("/signin", new Dictionary<string, string>(signIn.Fields) { ["DemoEmail"] = Member }))
        {
            Assert.True(SetsCookie(signedIn, AuthCookie));
        }

        // A token issued to the signed-in user, as the sign-out button's form carries it.
        var token = (await browser.ReadFormAsync("/signin", "signin")).Fields[Form.TokenField];

        using var forged = await browser.PostAsync("/account/signout", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(SetsCookie(forged, AuthCookie), "a POST without the token touched the session");
        Assert.True(await browser.IsSignedInAsync(), "a POST without the token signed the user out");

        using var genuine = await browser.PostAsync("/account/signout", new Dictionary<string, string> { [Form.TokenField] = token });
        Assert.Equal(HttpStatusCode.Redirect, genuine.StatusCode);
        Assert.False(await browser.IsSignedInAsync(), "the same POST with the token did not sign out");
    }

    private Browser NewBrowser() =>
        new(app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));

    private async Task<CommunityUser?> FindUserAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<CommunityUser>>().FindByEmailAsync(email);
    }

    private static bool SetsCookie(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
        && cookies.Any(c => c.StartsWith(name + "=", StringComparison.Ordinal) && !c.StartsWith(name + "=;", StringComparison.Ordinal));

    /// <summary>An HTTP client that keeps cookies, as a browser does.</summary>
    private sealed class Browser(HttpClient client) : IDisposable
    {
        public async Task<Form> ReadFormAsync(string path, string handler)
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            var form = FormElement().Matches(html).Select(m => m.Value)
                .Single(f => f.Contains($"name=\"_handler\" value=\"{handler}\"", StringComparison.Ordinal));
            var fields = HiddenInput().Matches(form).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["value"].Value));
            Assert.True(fields.ContainsKey(Form.TokenField), $"the {handler} form carries no antiforgery token");
            return new Form(fields);
        }

        public Task<HttpResponseMessage> PostAsync(string path, IReadOnlyDictionary<string, string> fields) =>
            client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(fields));

        /// <summary>The API accepts the cookie too: 200 from /api/rooms means a session.</summary>
        public async Task<bool> IsSignedInAsync()
        {
            using var response = await client.GetAsync(new Uri("/api/rooms", UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }

        public void Dispose() => client.Dispose();
    }

    private sealed record Form(Dictionary<string, string> Fields)
    {
        public const string TokenField = "__RequestVerificationToken";

        public Dictionary<string, string> Without(string name) =>
            Fields.Where(f => f.Key != name).ToDictionary(f => f.Key, f => f.Value);
    }

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormElement();

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\"")]
    private static partial Regex HiddenInput();
}
