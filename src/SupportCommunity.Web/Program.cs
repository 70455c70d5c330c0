using SupportCommunity;
using SupportCommunity.Web.Account;
using SupportCommunity.Web.Api;
using SupportCommunity.Web.CannedResponses;
using SupportCommunity.Web.Components;
using SupportCommunity.Web.Conversations;
using SupportCommunity.Web.Data;
using SupportCommunity.Web.Messages;
using SupportCommunity.Web.Moderation;
using SupportCommunity.Web.Notifications;
using SupportCommunity.Web.Realtime;
using SupportCommunity.Web.Rooms;
using SupportCommunity.Web.ScaleOut;
using SupportCommunity.Web.Security;
using SupportCommunity.Web.Tickets;
using SupportCommunity.Web.Webhooks;

var builder = WebApplication.CreateBuilder(args);

builder.AddCommunitySecurity();
builder.AddCommunityDatabase();
builder.AddCommunityIdentity();
builder.Services.AddCommunityCore(builder.Configuration);
builder.AddCommunityApi();
builder.AddCommunityRealtime();
builder.AddCommunityScaleOut();
builder.AddCommunityUi();

var app = builder.Build();

await app.PrepareDatabaseAsync();

app.UseCommunityPipeline();
app.MapAccount();
app.MapRoomsApi();
app.MapMessagesApi();
app.MapReactionsApi();
app.MapConversationsApi();
app.MapNotificationsApi();
app.MapRoomControlsApi();
app.MapAutomodApi();
app.MapModerationQueueApi();
app.MapModerationApi();
app.MapCannedResponsesApi();
app.MapTicketsApi();
app.MapWebhooksApi();
app.MapCommunityHub();
app.MapHealth();
app.MapCommunityUi();

app.Run();
