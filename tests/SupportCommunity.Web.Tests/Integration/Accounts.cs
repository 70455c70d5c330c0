namespace SupportCommunity.Web.Tests.Integration;

/// <summary>The seeded demo accounts of design.md §4 (password Demo123!) and the rooms.</summary>
public static class Accounts
{
    public const string Admin = "admin@demo.test";
    public const string Manager = "manager@demo.test";
    public const string Agent = "agent@demo.test";
    public const string Moderator = "moderator@demo.test";
    public const string Member = "member@demo.test";
    public const string Customer = "customer@demo.test";
    public const string Customer2 = "customer2@demo.test";

    public const string General = "general";
    public const string Billing = "billing";
    public const string Feedback = "feedback";
}
