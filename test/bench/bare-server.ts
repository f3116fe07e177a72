/**
 * The ceilings of the stack for bench:ingest: `express` runs Express 5 alone, `nest` a Nest app with
 * nothing but one handler; both parse a posted event and answer 201 without storing it. Prints the port.
 */
import 'reflect-metadata';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express from 'express';
import { AddressInfo } from 'node:net';

@Controller()
class EventsController {
  @Post('api/events')
  create(@Body() body: Record<string, unknown>) {
    return { id: 1, ...body };
  }
}

@Module({ controllers: [EventsController] })
class BareModule {}

async function main(): Promise<void> {
  if (process.argv[2] === 'nest') {
    const app = await NestFactory.create(BareModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    console.log((app.getHttpServer().address() as AddressInfo).port);
  } else {
    const app = express();
    app.use(express.json());
    app.post('/api/events', (req, res) => void res.status(201).json({ id: 1, ...req.body }));
    const server = app.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
  }
}

void main();
