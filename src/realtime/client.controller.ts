import { Controller, Get, NotFoundException, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/project';

/** The dashboard client library, built by `npm run build:client` (run before start, demo and test). */
const CLIENT_FILE = join(projectRoot(), 'dist', 'client', 'mission-control-client.js');

@ApiExcludeController()
@Controller('client')
export class ClientController {
  @Get('mission-control-client.js')
  client(): StreamableFile {
    if (!existsSync(CLIENT_FILE))
      throw new NotFoundException('The client library is not built: run npm run build:client');
    return new StreamableFile(createReadStream(CLIENT_FILE), { type: 'text/javascript; charset=utf-8' });
  }
}
