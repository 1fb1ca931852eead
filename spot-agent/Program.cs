// The node agent arrives with its own issue; until then the binary says so instead of pretending to work.
Console.Error.WriteLine("spot-agent: not implemented yet (see the spot-agent issue)");
return 2;
