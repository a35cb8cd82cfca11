import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Inject, Logger, NotFoundException, Param, Res, ServiceUnavailableException, type OnModuleInit } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DASHBOARD_ASSET_NAME, DASHBOARD_HEADERS, dashboardContentType } from './dashboard-assets';

/** Injection token of the folder the dashboard is served from (`null`: not built). */
export const DASHBOARD_ASSETS_DIR = Symbol('DASHBOARD_ASSETS_DIR');

/**
 * Serves the dashboard: the page at `/` (and at `/alerts/:id`, the link notifications carry),
 * its files under `/assets/`. No authentication here: the files hold no data; every API call the
 * page makes carries the signed-in key. Left out of the OpenAPI document, which describes `/v1`.
 */
@ApiExcludeController()
@Controller()
export class DashboardController implements OnModuleInit {
  private readonly logger = new Logger('Dashboard');

  constructor(@Inject(DASHBOARD_ASSETS_DIR) private readonly dir: string | null) {}

  onModuleInit(): void {
    if (this.dir === null) this.logger.warn('The dashboard is not built (no dist/libs/dashboard/browser/app.js): run `npm run build` to serve it at /.');
  }

  @Get()
  index(@Res() response: Response): void {
    this.send(response, 'index.html');
  }

  /** Links in notifications (`KANSHI_PUBLIC_URL/alerts/<id>`) open the page, which shows the alert. */
  @Get('alerts/:id')
  alertLink(@Res() response: Response): void {
    this.send(response, 'index.html');
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: Response): void {
    if (!DASHBOARD_ASSET_NAME.test(name)) throw new NotFoundException(`No dashboard file ${name}.`);
    this.send(response, name);
  }

  private send(response: Response, name: string): void {
    if (this.dir === null) throw new ServiceUnavailableException('The dashboard is not built: run `npm run build`, then restart the api.');
    if (!existsSync(join(this.dir, name))) throw new NotFoundException(`No dashboard file ${name}.`);
    response.sendFile(name, { root: this.dir, dotfiles: 'deny', headers: { ...DASHBOARD_HEADERS, 'Content-Type': dashboardContentType(name) } }, (error?: Error) => {
      // The file was checked above; this is a read failing halfway (or the client leaving).
      if (error && !response.headersSent) response.status(500).end();
    });
  }
}
