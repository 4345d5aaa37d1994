Console.WriteLine("orvirt-agent");
