using MudBlazor;

namespace SupportCommunity.Web.Components.Layout;

public static class CommunityTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b5bdb",
            Secondary = "#0c8599",
            AppbarBackground = "#ffffff",
            AppbarText = "#1f2937",
            Background = "#f5f6fa",
            DrawerBackground = "#ffffff",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#748ffc",
            Secondary = "#3bc9db",
            AppbarBackground = "#1a1b26",
            Background = "#14151c",
            DrawerBackground = "#1a1b26",
            Surface = "#1f2030",
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "260px" },
    };
}
