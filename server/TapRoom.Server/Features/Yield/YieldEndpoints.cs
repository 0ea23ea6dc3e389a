using System.Text;
using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Yield;

public static class YieldEndpoints
{
    public static IEndpointRouteBuilder MapYieldEndpoints(this IEndpointRouteBuilder app)
    {
        var reports = app.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(Policies.Manager);
        reports.MapGet("/yield", async (Guid? locationId, DateTime? from, DateTime? to, IMediator m) =>
            TypedResults.Ok(await m.Send(new GetYieldReport.Query(locationId, from, to))));
        reports.MapGet("/yield.csv", async (Guid? locationId, DateTime? from, DateTime? to, IMediator m) =>
        {
            var report = await m.Send(new GetYieldReport.Query(locationId, from, to));
            var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(GetYieldReport.ToCsv(report))).ToArray();
            return TypedResults.File(bytes, "text/csv; charset=utf-8", $"yield-{report.From:yyyy-MM-dd}-{report.To:yyyy-MM-dd}.csv");
        });
        reports.MapGet("/stock", async (Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new GetStockReport.Query(locationId))));
        return app;
    }
}
