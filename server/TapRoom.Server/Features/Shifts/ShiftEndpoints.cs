using System.Text;
using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Shifts;

public static class ShiftEndpoints
{
    public static IEndpointRouteBuilder MapShiftEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/shifts").WithTags("Shifts").WithVenueOf(VenueKind.Shift);

        g.MapGet("/", async (IMediator m, int? take, Guid? locationId) => TypedResults.Ok(await m.Send(new ListShifts.Query(take ?? 50, locationId))))
            .RequireAuthorization(Policies.Staff);
        g.MapPost("/", async (IMediator m, OpenShift.Body? body) =>
        {
            var shift = await m.Send(new OpenShift.Command(body?.LocationId));
            return TypedResults.Created($"/api/shifts/{shift.Id}", shift);
        }).RequireAuthorization(Policies.Manager);
        g.MapGet("/current", async (Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new GetCurrentShift.Query())))
            .RequireAuthorization(Policies.Staff);
        g.MapGet("/{id:guid}", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetShift.Query(id))))
            .RequireAuthorization(Policies.Staff);

        g.MapPost("/{id:guid}/members", async (Guid id, JoinShiftRequest? body, IMediator m) =>
                TypedResults.Ok(await m.Send(new JoinShift.Command(id, body?.StaffUserId))))
            .RequireAuthorization(Policies.Staff);
        g.MapPost("/{id:guid}/members/{staffUserId:guid}/leave", async (Guid id, Guid staffUserId, IMediator m) =>
                TypedResults.Ok(await m.Send(new LeaveShift.Command(id, staffUserId))))
            .RequireAuthorization(Policies.Staff);

        g.MapGet("/{id:guid}/close-check", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetCloseCheck.Query(id))))
            .RequireAuthorization(Policies.Manager);
        g.MapPost("/{id:guid}/close", async (Guid id, CloseShiftRequest body, IMediator m) =>
                TypedResults.Ok(await m.Send(new CloseShift.Command(id, body.EquipmentConfirmed, body.Comment))))
            .RequireAuthorization(Policies.Manager);

        g.MapGet("/{id:guid}/report", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetShiftReport.Query(id))))
            .RequireAuthorization(Policies.Manager);
        g.MapGet("/{id:guid}/report.csv", async (Guid id, IMediator m) =>
        {
            var report = await m.Send(new GetShiftReport.Query(id));
            var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(ShiftReportFormats.ToCsv(report))).ToArray();
            return TypedResults.File(bytes, "text/csv; charset=utf-8", ShiftReportFormats.FileName(report, "csv"));
        }).RequireAuthorization(Policies.Manager);
        g.MapGet("/{id:guid}/report.html", async (Guid id, IMediator m) =>
            {
                var report = await m.Send(new GetShiftReport.Query(id));
                var charts = Stats.ReportCharts.Html(report, await m.Send(new Stats.GetShiftStats.Query(id)));
                return TypedResults.Content(ShiftReportFormats.ToHtml(report, charts), "text/html; charset=utf-8");
            })
            .RequireAuthorization(Policies.Manager);
        return app;
    }
}
