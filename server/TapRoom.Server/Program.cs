using TapRoom.Server;
using TapRoom.Server.Infrastructure;

if (await DatabaseCli.TryRunAsync(args)) return;

var app = TapRoomApp.Build(args);
await app.RunTapRoomAsync();
