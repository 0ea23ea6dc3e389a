namespace TapRoom.Contracts;

/// <summary>What a board tap says to the room: pouring, running low (under 15 % left), out of keg, or closed (locked, cleaning).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(SnakeCaseEnumConverter<BoardTapStatus>))]
public enum BoardTapStatus { Pouring, RunningLow, Out, Closed }

/// <summary>
/// A venue's public tap list (<c>GET /api/board/{slug}</c>, pushed as <c>BoardUpdated</c>). Public data only: nothing
/// about guests, balances, staff, controllers or keys (a test scans it).
/// </summary>
public sealed record BoardDto(string Venue, string Slug, string Units, string Currency, IReadOnlyList<BoardTapDto> Taps, DateTime At);

public sealed record BoardTapDto(
    int Number,
    string Name,
    string? Beer,
    string? Style,
    decimal? Abv,
    IReadOnlyList<BoardPriceDto> Prices,
    int? KegPercent,
    BoardTapStatus Status,
    BoardNextUpDto? NextUp);

public sealed record BoardPriceDto(int ServingMl, decimal Price);

/// <summary>The keg waiting in the warehouse for this tap (FIFO).</summary>
public sealed record BoardNextUpDto(string Beer, string? Style, decimal Abv);

public static class BoardRoutes
{
    public const string Hub = "/hubs/board";
}

/// <summary>Server → board pages (<see cref="BoardRoutes.Hub"/>, no sign-in, nothing to invoke).</summary>
public interface IBoardClient
{
    Task BoardUpdated(BoardDto board);
}
